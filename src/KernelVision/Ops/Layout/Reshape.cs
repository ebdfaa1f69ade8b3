using KernelVision.Graph;
using KernelVision.Tensors;

namespace KernelVision.Ops.Layout;

/// <summary>
/// Reshape: same data, new shape. In the target, -1 is inferred from the element count and 0
/// copies the input's dimension at that index — unless 'allowzero' (opset 14+) is set, when 0
/// means a real zero. The target is input 1 from opset 5 and the 'shape' attribute before.
/// </summary>
[OnnxOp("Reshape")]
public sealed class Reshape : Op
{
    /// <summary>True when 0 in the target means an empty dimension rather than "copy".</summary>
    public bool AllowZero { get; }

    /// <summary>The 'shape' attribute (opset &lt; 5), else null.</summary>
    public long[]? ShapeAttribute { get; }

    /// <summary>Parses 'allowzero' and, before opset 5, 'shape'.</summary>
    public Reshape(Node node, int opset) : base(node, opset)
    {
        long allowZero = Attributes.GetInt("allowzero", 0);
        if (allowZero is not (0 or 1)) throw Fail($"allowzero must be 0 or 1, got {allowZero}");
        AllowZero = allowZero == 1;
        if (opset < 5) ShapeAttribute = Attributes.GetInts("shape") ?? throw Fail("required attribute 'shape' is missing");
    }

    /// <summary>The output shape for an input of <paramref name="inputShape"/>; <paramref name="target"/> is input 1 (opset 5+).</summary>
    public int[] Resolve(int[] inputShape, Tensor? target)
    {
        long[] t = ShapeAttribute ?? LayoutUtil.Ints(Node, target ?? throw Fail("input 1 (shape) is required"), "shape");
        long inSize = ShapeUtil.Size(inputShape);
        var shape = new int[t.Length];
        int inferred = -1;
        long known = 1;
        for (int i = 0; i < t.Length; i++)
        {
            long d = t[i];
            if (d == -1)
            {
                if (inferred >= 0) throw Fail($"shape {LayoutUtil.Format(t)} has more than one -1");
                inferred = i;
                continue;
            }
            if (d < -1) throw Fail($"shape {LayoutUtil.Format(t)} has invalid dimension {d}");
            if (d == 0 && !AllowZero)
            {
                if (i >= inputShape.Length) throw Fail($"shape {LayoutUtil.Format(t)} copies dimension {i} but the input {ShapeUtil.Format(inputShape)} has rank {inputShape.Length}");
                d = inputShape[i];
            }
            shape[i] = LayoutUtil.Dim(Node, d);
            known *= d;
            if (known > ShapeUtil.MaxElements) throw Fail($"shape {LayoutUtil.Format(t)} is too large");
        }
        if (inferred >= 0)
        {
            if (known == 0) throw Fail($"cannot infer -1 in shape {LayoutUtil.Format(t)}: the other dimensions have zero elements");
            if (inSize % known != 0) throw Fail($"cannot reshape {ShapeUtil.Format(inputShape)} to {LayoutUtil.Format(t)}");
            shape[inferred] = (int)(inSize / known);
            known *= shape[inferred];
        }
        if (known != inSize) throw Fail($"cannot reshape {ShapeUtil.Format(inputShape)} ({inSize} elements) to {ShapeUtil.Format(shape)} ({known} elements)");
        return shape;
    }

    /// <inheritdoc/>
    public override TensorInfo[] InferOutputs(IReadOnlyList<TensorInfo?> inputs)
    {
        if (Opset < 5)
        {
            ExpectInputs(inputs, 1, 1);
            var x0 = Input(inputs, 0);
            return [new TensorInfo(x0.Type, Resolve(x0.Shape, null))];
        }
        ExpectInputs(inputs, 2, 2);
        var x = Input(inputs, 0);
        return [new TensorInfo(x.Type, Resolve(x.Shape, RequireValue(inputs, 1)))];
    }
}
