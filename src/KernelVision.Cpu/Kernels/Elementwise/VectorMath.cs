using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace KernelVision.Cpu.Kernels.Elementwise;

/// <summary>
/// A float function of one value in scalar and 8-lane form. Implemented by structs so that
/// <see cref="VectorMath.Map{TFn}"/> is specialised and inlined per function by the JIT.
/// </summary>
internal interface IUnaryFn
{
    float Scalar(float x);
    Vector256<float> Vector(Vector256<float> x);
}

/// <summary>
/// A float function of two values in scalar and 8-lane form (see <see cref="Broadcast"/>).
/// <see cref="Vectorized"/> false means the vector form is not worth having (Pow): loops use the scalar one.
/// </summary>
internal interface IBinaryFn
{
    bool Vectorized { get; }
    float Scalar(float a, float b);
    Vector256<float> Vector(Vector256<float> a, Vector256<float> b);
}

/// <summary>Span loops over <see cref="IUnaryFn"/> functions, and the vector maths .NET does not provide (erf).</summary>
internal static class VectorMath
{
    /// <summary>y[i] = f(x[i]); x and y are the same length and either identical or disjoint.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Map<TFn>(TFn fn, ReadOnlySpan<float> x, Span<float> y) where TFn : struct, IUnaryFn
    {
        ref float xr = ref MemoryMarshal.GetReference(x);
        ref float yr = ref MemoryMarshal.GetReference(y);
        int n = x.Length, i = 0;
        if (Vector256.IsHardwareAccelerated)
        {
            for (; i <= n - 32; i += 32)
            {
                var v0 = fn.Vector(Vector256.LoadUnsafe(ref xr, (nuint)i));
                var v1 = fn.Vector(Vector256.LoadUnsafe(ref xr, (nuint)(i + 8)));
                var v2 = fn.Vector(Vector256.LoadUnsafe(ref xr, (nuint)(i + 16)));
                var v3 = fn.Vector(Vector256.LoadUnsafe(ref xr, (nuint)(i + 24)));
                v0.StoreUnsafe(ref yr, (nuint)i);
                v1.StoreUnsafe(ref yr, (nuint)(i + 8));
                v2.StoreUnsafe(ref yr, (nuint)(i + 16));
                v3.StoreUnsafe(ref yr, (nuint)(i + 24));
            }
            for (; i <= n - 8; i += 8)
                fn.Vector(Vector256.LoadUnsafe(ref xr, (nuint)i)).StoreUnsafe(ref yr, (nuint)i);
        }
        for (; i < n; i++) Unsafe.Add(ref yr, i) = fn.Scalar(Unsafe.Add(ref xr, i));
    }

    private const double TwoOverSqrtPi = 1.1283791670955126;

    // erf(x) = 2/√π · Σ (−1)ⁿ x^(2n+1) / (n!·(2n+1)); eight terms reach ~1e-10 for |x| < 0.5.
    private const float E0 = (float)TwoOverSqrtPi;
    private const float E1 = (float)(-TwoOverSqrtPi / 3);
    private const float E2 = (float)(TwoOverSqrtPi / 10);
    private const float E3 = (float)(-TwoOverSqrtPi / 42);
    private const float E4 = (float)(TwoOverSqrtPi / 216);
    private const float E5 = (float)(-TwoOverSqrtPi / 1320);
    private const float E6 = (float)(TwoOverSqrtPi / 9360);
    private const float E7 = (float)(-TwoOverSqrtPi / 75600);

    /// <summary>
    /// erf for float: the Taylor series below |x| = 0.5, and 1 − erfc(|x|) above, with erfc from the
    /// Chebyshev fit of Numerical Recipes (fractional error below 1.2e-7), so the result is within a
    /// few float ulps everywhere.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> Erf(Vector256<float> x)
    {
        var ax = Vector256.Abs(x);
        var s = x * x;
        var p = Vector256.Create(E7);
        p = p * s + Vector256.Create(E6);
        p = p * s + Vector256.Create(E5);
        p = p * s + Vector256.Create(E4);
        p = p * s + Vector256.Create(E3);
        p = p * s + Vector256.Create(E2);
        p = p * s + Vector256.Create(E1);
        p = p * s + Vector256.Create(E0);
        var small = x * p;

        var one = Vector256.Create(1f);
        var t = one / (one + Vector256.Create(0.5f) * ax);
        var q = Vector256.Create(0.17087277f);
        q = q * t + Vector256.Create(-0.82215223f);
        q = q * t + Vector256.Create(1.48851587f);
        q = q * t + Vector256.Create(-1.13520398f);
        q = q * t + Vector256.Create(0.27886807f);
        q = q * t + Vector256.Create(-0.18628806f);
        q = q * t + Vector256.Create(0.09678418f);
        q = q * t + Vector256.Create(0.37409196f);
        q = q * t + Vector256.Create(1.00002368f);
        q = q * t + Vector256.Create(-1.26551223f);
        var erfc = t * Vector256.Exp(q - s);
        var large = one - erfc;
        // Copy x's sign onto the positive large-|x| result.
        large = Vector256.ConditionalSelect(Vector256.Create(-0f), x, large);
        return Vector256.ConditionalSelect(Vector256.LessThan(ax, Vector256.Create(0.5f)), small, large);
    }

    /// <summary>Scalar form of <see cref="Erf(Vector256{float})"/> (same formulas).</summary>
    public static float Erf(float x)
    {
        float ax = MathF.Abs(x), s = x * x;
        if (ax < 0.5f)
        {
            float p = E7;
            p = p * s + E6;
            p = p * s + E5;
            p = p * s + E4;
            p = p * s + E3;
            p = p * s + E2;
            p = p * s + E1;
            p = p * s + E0;
            return x * p;
        }
        float t = 1f / (1f + 0.5f * ax);
        float q = 0.17087277f;
        q = q * t - 0.82215223f;
        q = q * t + 1.48851587f;
        q = q * t - 1.13520398f;
        q = q * t + 0.27886807f;
        q = q * t - 0.18628806f;
        q = q * t + 0.09678418f;
        q = q * t + 0.37409196f;
        q = q * t + 1.00002368f;
        q = q * t - 1.26551223f;
        float r = 1f - t * MathF.Exp(q - s);
        return MathF.CopySign(r, x);
    }
}
