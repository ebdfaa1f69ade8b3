using KernelVision.Graph;

namespace KernelVision.Ops.Elementwise;

/// <summary>Elu: x for x ≥ 0, alpha·(e^x − 1) otherwise.</summary>
[OnnxOp("Elu")]
public sealed class Elu : UnaryElementwiseOp
{
    /// <summary>Scale of the negative branch (default 1).</summary>
    public float Alpha { get; }

    /// <summary>Parses 'alpha'.</summary>
    public Elu(Node node, int opset) : base(node, opset)
    {
        Alpha = Attributes.GetFloat("alpha", 1f);
        if (!float.IsFinite(Alpha)) throw Fail($"alpha must be finite, got {Alpha}");
    }
}
