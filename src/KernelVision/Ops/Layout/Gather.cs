using KernelVision.Graph;
using KernelVision.Tensors;

namespace KernelVision.Ops.Layout;

/// <summary>
/// Gather: picks entries of the data along 'axis' by integer indices (negative count from the
/// end). Output shape = data.shape[:axis] + indices.shape + data.shape[axis+1:].
/// </summary>
[OnnxOp("Gather")]
public sealed class Gather : Op
{
    /// <summary>The axis as written (default 0).</summary>
    public long Axis { get; }

    /// <summary>Parses 'axis'.</summary>
    public Gather(Node node, int opset) : base(node, opset)
    {
        Axis = Attributes.GetInt("axis", 0);
    }

    /// <summary>The axis normalised for data of <paramref name="rank"/>.</summary>
    public int ResolveAxis(int rank) => LayoutUtil.Axis(Node, Axis, rank);

    /// <summary>Index <paramref name="index"/> made non-negative for an axis of <paramref name="dim"/>; out of range is a graph error naming the node.</summary>
    public int CheckIndex(long index, int dim)
    {
        if (index < -dim || index >= dim) throw Fail($"index {index} is out of range for an axis of size {dim}");
        return (int)(index < 0 ? index + dim : index);
    }

    /// <inheritdoc/>
    public override TensorInfo[] InferOutputs(IReadOnlyList<TensorInfo?> inputs)
    {
        ExpectInputs(inputs, 2, 2);
        var data = Input(inputs, 0);
        var indices = Input(inputs, 1);
        if (indices.Type is not (DataType.Int32 or DataType.Int64)) throw Fail($"indices must be int32 or int64, got {indices}");
        if (data.Shape.Length == 0) throw Fail("cannot gather from a scalar");
        int axis = ResolveAxis(data.Shape.Length);
        if (indices.Value is { } v)
            foreach (long i in v.Int64s) CheckIndex(i, data.Shape[axis]);
        int[] shape = [.. data.Shape[..axis], .. indices.Shape, .. data.Shape[(axis + 1)..]];
        return [new TensorInfo(data.Type, LayoutUtil.CheckShape(Node, shape))];
    }
}
