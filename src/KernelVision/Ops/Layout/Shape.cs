using KernelVision.Graph;
using KernelVision.Tensors;

namespace KernelVision.Ops.Layout;

/// <summary>
/// Shape: the input's dimensions as a 1-D int64 tensor, optionally only dims [start, end)
/// (opset 15+; negative values count from the end, out-of-range values are clamped). The value is
/// known from the input's shape alone, so shape inference returns it: this is what lets shape
/// arithmetic (Shape → Gather → Concat → Reshape) fold before run time.
/// </summary>
[OnnxOp("Shape")]
public sealed class Shape : Op
{
    /// <summary>'start' attribute (default 0).</summary>
    public long Start { get; }

    /// <summary>'end' attribute, or null for "to the last dimension".</summary>
    public long? End { get; }

    /// <summary>Parses 'start' and 'end' (opset 15+).</summary>
    public Shape(Node node, int opset) : base(node, opset)
    {
        if (opset >= 15)
        {
            Start = Attributes.GetInt("start", 0);
            End = Attributes.Has("end") ? Attributes.GetInt("end") : null;
        }
    }

    /// <summary>The (clamped) dims of <paramref name="shape"/> that the output lists, as a tensor.</summary>
    public Tensor Compute(int[] shape)
    {
        int rank = shape.Length;
        long start = Clamp(Start, rank);
        long end = Clamp(End ?? rank, rank);
        var dims = new List<long>();
        for (long d = start; d < end; d++) dims.Add(shape[d]);
        return Tensor.Vector([.. dims]);
    }

    private static long Clamp(long v, int rank) => Math.Clamp(v < 0 ? v + rank : v, 0, rank);

    /// <inheritdoc/>
    public override TensorInfo[] InferOutputs(IReadOnlyList<TensorInfo?> inputs)
    {
        ExpectInputs(inputs, 1, 1);
        return [TensorInfo.Of(Compute(Input(inputs, 0).Shape))];
    }
}
