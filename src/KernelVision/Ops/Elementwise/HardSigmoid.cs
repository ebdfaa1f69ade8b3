using KernelVision.Graph;

namespace KernelVision.Ops.Elementwise;

/// <summary>HardSigmoid: max(0, min(1, alpha·x + beta)).</summary>
[OnnxOp("HardSigmoid")]
public sealed class HardSigmoid : UnaryElementwiseOp, IFusibleActivation
{
    /// <summary>Slope (default 0.2).</summary>
    public float Alpha { get; }

    /// <summary>Offset (default 0.5).</summary>
    public float Beta { get; }

    /// <summary>Parses 'alpha' and 'beta'.</summary>
    public HardSigmoid(Node node, int opset) : base(node, opset)
    {
        Alpha = Attributes.GetFloat("alpha", 0.2f);
        Beta = Attributes.GetFloat("beta", 0.5f);
        if (!float.IsFinite(Alpha) || !float.IsFinite(Beta)) throw Fail($"alpha and beta must be finite, got {Alpha}, {Beta}");
    }

    /// <inheritdoc/>
    public FusedActivation? AsFused(IReadOnlyList<TensorInfo?> inputs) => new FusedActivation(ActivationKind.HardSigmoid, Alpha, Beta);
}
