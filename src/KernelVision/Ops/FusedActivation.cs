namespace KernelVision.Ops;

/// <summary>Element-wise activations a fusion pass can fold into a Conv/ConvTranspose/Gemm epilogue.</summary>
public enum ActivationKind { None, Relu, LeakyRelu, Clip, Sigmoid, Tanh, HardSigmoid }

/// <summary>
/// An activation applied to each output element after the bias add. Kernels call
/// <see cref="Apply(float)"/> (or vectorise the same formula) so fused and unfused graphs agree.
/// </summary>
public readonly record struct FusedActivation(ActivationKind Kind, float Alpha = 0, float Beta = 0)
{
    /// <summary>No activation.</summary>
    public static FusedActivation None => default;

    /// <summary>The activation of one value. Clip: [Alpha, Beta]; LeakyRelu: slope Alpha; HardSigmoid: max(0, min(1, Alpha·x + Beta)).</summary>
    public float Apply(float x) => Kind switch
    {
        ActivationKind.None => x,
        ActivationKind.Relu => x > 0 ? x : 0,
        ActivationKind.LeakyRelu => x >= 0 ? x : Alpha * x,
        ActivationKind.Clip => MathF.Min(MathF.Max(x, Alpha), Beta),
        ActivationKind.Sigmoid => 1f / (1f + MathF.Exp(-x)),
        ActivationKind.Tanh => MathF.Tanh(x),
        ActivationKind.HardSigmoid => MathF.Max(0, MathF.Min(1, Alpha * x + Beta)),
        _ => x,
    };

    /// <summary>Same as <see cref="Apply(float)"/> in double, for the Reference backend.</summary>
    public double Apply(double x) => Kind switch
    {
        ActivationKind.None => x,
        ActivationKind.Relu => x > 0 ? x : 0,
        ActivationKind.LeakyRelu => x >= 0 ? x : Alpha * x,
        ActivationKind.Clip => Math.Min(Math.Max(x, Alpha), Beta),
        ActivationKind.Sigmoid => 1.0 / (1.0 + Math.Exp(-x)),
        ActivationKind.Tanh => Math.Tanh(x),
        ActivationKind.HardSigmoid => Math.Max(0, Math.Min(1, Alpha * x + Beta)),
        _ => x,
    };

    /// <inheritdoc/>
    public override string ToString() => Kind switch
    {
        ActivationKind.None => "",
        ActivationKind.LeakyRelu => $"LeakyRelu({Alpha})",
        ActivationKind.Clip => $"Clip({Alpha},{Beta})",
        ActivationKind.HardSigmoid => $"HardSigmoid({Alpha},{Beta})",
        _ => Kind.ToString(),
    };
}
