using KernelVision.Graph;

namespace KernelVision.Ops.Elementwise;

/// <summary>LeakyRelu: x for x ≥ 0, alpha·x otherwise.</summary>
[OnnxOp("LeakyRelu")]
public sealed class LeakyRelu : UnaryElementwiseOp, IFusibleActivation
{
    /// <summary>Slope for negative inputs (default 0.01).</summary>
    public float Alpha { get; }

    /// <summary>Parses 'alpha'.</summary>
    public LeakyRelu(Node node, int opset) : base(node, opset)
    {
        Alpha = Attributes.GetFloat("alpha", 0.01f);
        if (!float.IsFinite(Alpha)) throw Fail($"alpha must be finite, got {Alpha}");
    }

    /// <inheritdoc/>
    public FusedActivation? AsFused(IReadOnlyList<TensorInfo?> inputs) => new FusedActivation(ActivationKind.LeakyRelu, Alpha);
}
