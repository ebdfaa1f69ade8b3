using KernelVision.Graph;
using KernelVision.Tensors;

namespace KernelVision.Ops.Neural;

/// <summary>
/// Conv: N-d grouped convolution (1-D, 2-D, 3-D, ...). X is [N, C, D1..Dn], W is
/// [M, C/group, k1..kn], optional B is [M]; Y is [N, M, O1..On]. Depthwise is group = C.
/// A fusion pass may set <see cref="Activation"/>, which kernels apply after the bias.
/// </summary>
[OnnxOp("Conv")]
public sealed class Conv : WindowedOp
{
    /// <summary>Number of channel groups (≥ 1).</summary>
    public int Group { get; }

    /// <summary>Activation applied to every output element after the bias (set by fusion; default none).</summary>
    public FusedActivation Activation { get; set; }

    /// <summary>Parses and validates the attributes.</summary>
    public Conv(Node node, int opset) : base(node, opset)
    {
        Group = Attributes.GetInt32("group", 1);
        if (Group < 1) throw Fail($"group {Group} must be at least 1");
    }

    /// <summary>
    /// Resolved pads and output spatial shape for input shape <paramref name="x"/> and weight shape
    /// <paramref name="w"/> (full shapes, N and C included). Validates rank and kernel agreement.
    /// </summary>
    public WindowGeometry Resolve(int[] x, int[] w)
    {
        if (x.Length < 3) throw Fail($"input X must have rank ≥ 3 (N, C, spatial...), got {ShapeUtil.Format(x)}");
        if (w.Length != x.Length) throw Fail($"weight W {ShapeUtil.Format(w)} must have the same rank as X {ShapeUtil.Format(x)}");
        int rank = x.Length - 2;
        CheckRank(rank);
        var kernel = w[2..];
        if (KernelShape.Length > 0 && !KernelShape.SequenceEqual(kernel))
            throw Fail($"kernel_shape {Show(KernelShape)} does not match weight spatial dims {ShapeUtil.Format(kernel)}");
        return ResolveForward(x[2..], kernel, ceilMode: false);
    }

    /// <inheritdoc/>
    public override TensorInfo[] InferOutputs(IReadOnlyList<TensorInfo?> inputs)
    {
        ExpectInputs(inputs, 2, 3);
        var x = Input(inputs, 0);
        var w = Input(inputs, 1);
        var b = Optional(inputs, 2);
        ExpectType(x, "input X", DataType.Float32, DataType.Float64);
        if (w.Type != x.Type) throw Fail($"weight W type {w.Type.Name()} differs from X type {x.Type.Name()}");
        // A kernel axis of extent 0 has no taps: no convolution is defined, and kernels would pack empty operands.
        if (w.Shape.Length > 2 && w.Shape.Skip(2).Any(d => d < 1))
            throw Fail($"weight W {ShapeUtil.Format(w.Shape)} has an empty kernel axis");
        var g = Resolve(x.Shape, w.Shape);
        int c = x.Shape[1], m = w.Shape[0];
        if (m % Group != 0) throw Fail($"output channels {m} are not divisible by group {Group}");
        if (w.Shape[1] * Group != c)
            throw Fail($"X has {c} channels but W {ShapeUtil.Format(w.Shape)} with group {Group} expects {w.Shape[1] * Group}");
        if (b is not null)
        {
            if (b.Type != x.Type) throw Fail($"bias B type {b.Type.Name()} differs from X type {x.Type.Name()}");
            if (b.Shape.Length != 1 || b.Shape[0] != m) throw Fail($"bias B must have shape [{m}], got {ShapeUtil.Format(b.Shape)}");
        }
        return [new TensorInfo(x.Type, [x.Shape[0], m, .. g.OutputSpatial])];
    }

    /// <summary>2 · N · M · (output plane) · (C/group) · (kernel taps).</summary>
    public override long Flops(IReadOnlyList<TensorInfo?> inputs, IReadOnlyList<TensorInfo> outputs)
    {
        var w = inputs[1]!.Shape;
        var y = outputs[0].Shape;
        long perOutput = 1;
        for (int i = 1; i < w.Length; i++) perOutput *= w[i];
        long outs = 1;
        foreach (int d in y) outs *= d;
        return 2 * outs * perOutput;
    }
}
