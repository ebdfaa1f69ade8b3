using KernelVision.Graph;
using KernelVision.Tensors;

namespace KernelVision.Ops.Neural;

/// <summary>
/// Base of MaxPool and AveragePool: a required <c>kernel_shape</c>, the shared window attributes
/// and <c>ceil_mode</c>. X is [N, C, D1..Dn]; Y is [N, C, O1..On].
/// </summary>
public abstract class PoolOp : WindowedOp
{
    /// <summary>True when partial windows at the end count (ceil instead of floor in the output size).</summary>
    public bool CeilMode { get; }

    /// <summary>Parses the pool attributes; kernel_shape is required.</summary>
    protected PoolOp(Node node, int opset) : base(node, opset)
    {
        if (KernelShape.Length == 0) throw Fail("required attribute 'kernel_shape' is missing");
        long ceil = Attributes.GetInt("ceil_mode", 0);
        if (ceil is not (0 or 1)) throw Fail($"ceil_mode {ceil} must be 0 or 1");
        CeilMode = ceil == 1;
    }

    /// <summary>Resolved pads and output spatial shape for input shape <paramref name="x"/> (N and C included).</summary>
    public WindowGeometry Resolve(int[] x)
    {
        if (x.Length < 3) throw Fail($"input X must have rank ≥ 3 (N, C, spatial...), got {ShapeUtil.Format(x)}");
        CheckRank(x.Length - 2);
        return ResolveForward(x[2..], KernelShape, CeilMode);
    }

    /// <summary>Checks X and returns its info and the pooled output shape.</summary>
    protected (TensorInfo X, int[] Shape) PooledShape(IReadOnlyList<TensorInfo?> inputs)
    {
        ExpectInputs(inputs, 1, 1);
        var x = Input(inputs, 0);
        var g = Resolve(x.Shape);
        return (x, [x.Shape[0], x.Shape[1], .. g.OutputSpatial]);
    }

    /// <summary>One operation per window tap: N · C · (output plane) · (kernel taps).</summary>
    public override long Flops(IReadOnlyList<TensorInfo?> inputs, IReadOnlyList<TensorInfo> outputs)
    {
        long n = 1;
        foreach (int d in outputs[0].Shape) n *= d;
        foreach (int k in KernelShape) n *= k;
        return n;
    }
}
