using ILGPU.Algorithms;

namespace KernelVision.Gpu.Device;

/// <summary>Scalar functions device code shares (compiled into every kernel that calls them).</summary>
public static class DeviceMath
{
    /// <summary>The fused activation of <see cref="KernelVision.Ops.FusedActivation"/>, by <see cref="KernelVision.Ops.ActivationKind"/> number.</summary>
    public static float Activate(int kind, float alpha, float beta, float x)
    {
        switch (kind)
        {
            case 1: return x > 0 ? x : 0;
            case 2: return x >= 0 ? x : alpha * x;
            case 3: return XMath.Min(XMath.Max(x, alpha), beta);
            case 4: return Sigmoid(x);
            case 5: return XMath.Tanh(x);
            case 6: return XMath.Max(0f, XMath.Min(1f, alpha * x + beta));
            default: return x;
        }
    }

    /// <summary>1 / (1 + e^-x), without overflow for large |x|.</summary>
    public static float Sigmoid(float x)
    {
        if (x >= 0) return 1f / (1f + XMath.Exp(-x));
        float e = XMath.Exp(x);
        return e / (1f + e);
    }

    /// <summary>erf(x), Abramowitz–Stegun 7.1.26 refined (max error ~1.2e-7, float-exact in practice).</summary>
    public static float Erf(float x)
    {
        // Numerical Recipes erfc Chebyshev form: relative error < 1.2e-7 everywhere.
        float z = XMath.Abs(x);
        float t = 1f / (1f + 0.5f * z);
        float r = t * XMath.Exp(-z * z - 1.26551223f + t * (1.00002368f + t * (0.37409196f + t * (0.09678418f +
            t * (-0.18628806f + t * (0.27886807f + t * (-1.13520398f + t * (1.48851587f + t * (-0.82215223f + t * 0.17087277f)))))))));
        float erf = 1f - r;
        return x >= 0 ? erf : -erf;
    }

    /// <summary>Ceiling division for positive ints.</summary>
    public static int CeilDiv(int a, int b) => (a + b - 1) / b;
}
