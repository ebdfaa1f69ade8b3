using KernelVision.Graph;
using KernelVision.Tensors;

namespace KernelVision.Ops.Layout;

/// <summary>Flatten: reshapes to 2-D [product of dims before axis, product of the rest]; data unchanged.</summary>
[OnnxOp("Flatten")]
public sealed class Flatten : Op
{
    /// <summary>The axis as written; may be negative (opset 11+) and may equal the rank.</summary>
    public long Axis { get; }

    /// <summary>Parses 'axis' (default 1).</summary>
    public Flatten(Node node, int opset) : base(node, opset)
    {
        Axis = Attributes.GetInt("axis", 1);
    }

    /// <inheritdoc/>
    public override TensorInfo[] InferOutputs(IReadOnlyList<TensorInfo?> inputs)
    {
        ExpectInputs(inputs, 1, 1);
        var x = Input(inputs, 0);
        int rank = x.Shape.Length;
        // Unlike most axes, Flatten's may equal the rank ([N, 1] is wanted then).
        if (Axis < -rank || Axis > rank) throw Fail($"axis {Axis} is out of range for rank {rank}");
        int axis = (int)(Axis < 0 ? Axis + rank : Axis);
        return [new TensorInfo(x.Type, [ShapeUtil.Product(x.Shape, 0, axis), ShapeUtil.Product(x.Shape, axis, rank)])];
    }
}
