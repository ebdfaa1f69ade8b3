using KernelVision.Graph;

namespace KernelVision.Ops.Elementwise;

/// <summary>Selu: gamma·x for x &gt; 0, gamma·alpha·(e^x − 1) otherwise.</summary>
[OnnxOp("Selu")]
public sealed class Selu : UnaryElementwiseOp
{
    /// <summary>ONNX's default alpha (the self-normalising constant, as float32).</summary>
    public const float DefaultAlpha = 1.67326319217681884765625f;

    /// <summary>ONNX's default gamma (as float32).</summary>
    public const float DefaultGamma = 1.05070102214813232421875f;

    /// <summary>Scale of the exponential branch.</summary>
    public float Alpha { get; }

    /// <summary>Overall output scale.</summary>
    public float Gamma { get; }

    /// <summary>Parses 'alpha' and 'gamma'.</summary>
    public Selu(Node node, int opset) : base(node, opset)
    {
        Alpha = Attributes.GetFloat("alpha", DefaultAlpha);
        Gamma = Attributes.GetFloat("gamma", DefaultGamma);
        if (!float.IsFinite(Alpha) || !float.IsFinite(Gamma)) throw Fail($"alpha and gamma must be finite, got {Alpha}, {Gamma}");
    }
}
