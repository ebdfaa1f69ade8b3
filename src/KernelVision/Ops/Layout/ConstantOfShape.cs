using KernelVision.Graph;
using KernelVision.Tensors;

namespace KernelVision.Ops.Layout;

/// <summary>
/// ConstantOfShape: a tensor of the shape given by its 1-D int64 input, every element equal to the
/// one-element 'value' attribute (default float32 0). When the shape is known before run time,
/// shape inference returns the filled tensor as the value.
/// </summary>
[OnnxOp("ConstantOfShape")]
public sealed class ConstantOfShape : Op
{
    /// <summary>The fill value, a one-element tensor whose type is the output's.</summary>
    public Tensor FillValue { get; }

    /// <summary>Largest output shape inference fills in as a value (bigger ones are left to the kernel).</summary>
    public const int MaxInferredValueElements = 1 << 16;

    /// <summary>Parses 'value'.</summary>
    public ConstantOfShape(Node node, int opset) : base(node, opset)
    {
        var v = Attributes.GetTensor("value");
        if (v is not null && v.Length != 1) throw Fail($"value must have exactly one element, got {v.Describe()}");
        FillValue = v ?? Tensor.Scalar(0f);
    }

    /// <summary>The output shape from the shape input's value.</summary>
    public int[] Resolve(Tensor shape)
    {
        var dims = LayoutUtil.Ints(Node, shape, "shape");
        return LayoutUtil.CheckShape(Node, dims.Select(d => LayoutUtil.Dim(Node, d)).ToArray());
    }

    /// <summary>A new tensor of <paramref name="shape"/> filled with <see cref="FillValue"/>.</summary>
    public Tensor Fill(int[] shape)
    {
        var t = Tensor.Zeros(FillValue.Type, shape);
        var (src, off) = FillValue.Raw;
        var (dst, _) = t.Raw;
        for (int i = 0; i < t.Length; i++) Array.Copy(src, off, dst, i, 1);
        return t;
    }

    /// <inheritdoc/>
    public override TensorInfo[] InferOutputs(IReadOnlyList<TensorInfo?> inputs)
    {
        ExpectInputs(inputs, 1, 1);
        var s = Input(inputs, 0);
        if (s.Type != DataType.Int64) throw Fail($"the shape input must be int64, got {s}");
        if (s.Shape.Length != 1) throw Fail($"the shape input must be 1-D, got {s}");
        var shape = Resolve(RequireValue(inputs, 0));
        // Only small results (shape arithmetic) are filled here: a large one is allocated by whoever
        // runs the op, after the session has checked it against its activation-memory limit.
        return [new TensorInfo(FillValue.Type, shape, ShapeUtil.Size(shape) <= MaxInferredValueElements ? Fill(shape) : null)];
    }
}
