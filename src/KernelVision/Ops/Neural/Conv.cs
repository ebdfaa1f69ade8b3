using KernelVision.Graph;
using KernelVision.Tensors;

namespace KernelVision.Ops.Neural;

/// <summary>
/// Conv: N-d grouped convolution (1-D, 2-D, 3-D, ...). X is [N, C, D1..Dn], W is
/// [M, C/group, k1..kn], optional B is [M]; Y is [N, M, O1..On]. Depthwise is group = C.
/// Fusion passes may set <see cref="Activation"/>, which kernels apply after the bias, and
/// <see cref="Residual"/>, which adds a fourth input Z (a residual connection's Add) before it.
/// </summary>
[OnnxOp("Conv")]
public sealed class Conv : WindowedOp
{
    /// <summary>Number of channel groups (≥ 1).</summary>
    public int Group { get; }

    /// <summary>Activation applied to every output element after the bias (set by fusion; default none).</summary>
    public FusedActivation Activation { get; set; }

    /// <summary>
    /// Set by <c>ResidualFusion</c>: input 3 (Z) is added to the convolution plus bias before the
    /// activation, Y = act(conv(X, W) + B + Z), with numpy broadcasting as the Add it replaces had
    /// (kernels take Z of Y's own shape in the epilogue; other shapes go to the Reference kernel).
    /// Input 2 (B) may then be the empty name.
    /// </summary>
    public bool Residual { get; set; }

    /// <summary>
    /// Set by <c>BatchNormInputFusion</c>: the inference BatchNormalization (with its fused
    /// activation) that fed X, applied to X per channel before the convolution, X' = act(BN(X));
    /// its scale, B, mean and var are inputs 4–7 (inputs 2 and 3 may then be the empty name). Only
    /// for convs without padding, where normalising the taps equals normalising the image.
    /// </summary>
    public BatchNormalization? InputNormalization { get; set; }

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
        ExpectInputs(inputs, InputNormalization is null ? 2 : 8, InputNormalization is null ? (Residual ? 4 : 3) : 8);
        var x = Input(inputs, 0);
        // The fused BatchNormalization validates its own inputs, and its errors name it.
        if (InputNormalization is { } bn) x = bn.InferOutputs([x, .. inputs.Skip(4)])[0];
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
        int[] y = [x.Shape[0], m, .. g.OutputSpatial];
        if (!Residual) return [new TensorInfo(x.Type, y)];
        var z = Input(inputs, 3);
        if (z.Type != x.Type) throw Fail($"residual Z type {z.Type.Name()} differs from X type {x.Type.Name()}");
        return [new TensorInfo(x.Type, ResidualShape(y, z.Shape))];
    }

    /// <summary>
    /// The output shape with a residual Z: the convolution's shape <paramref name="y"/> broadcast with
    /// <paramref name="z"/>, as the fused Add computed it.
    /// </summary>
    public int[] ResidualShape(int[] y, int[] z) => ShapeUtil.TryBroadcast(y, z)
        ?? throw Fail($"residual Z {ShapeUtil.Format(z)} cannot be broadcast with the convolution's output {ShapeUtil.Format(y)}");

    /// <summary>2 · N · M · (output plane) · (C/group) · (kernel taps).</summary>
    public override long Flops(IReadOnlyList<TensorInfo?> inputs, IReadOnlyList<TensorInfo> outputs)
    {
        var w = inputs[1]!.Shape;
        var y = outputs[0].Shape;
        long perOutput = 1;
        for (int i = 1; i < w.Length; i++) perOutput *= w[i];
        long outs = 1;
        foreach (int d in y) outs *= d;
        long norm = InputNormalization is null ? 0 : 2L * ShapeUtil.Size(inputs[0]!.Shape);
        return 2 * outs * perOutput + norm;
    }
}
