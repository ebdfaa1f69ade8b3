using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace KernelVision.Cpu.Kernels.Elementwise;

// The element-wise activations as IUnaryFn structs. Each follows its Reference kernel's formula
// (including which side of a comparison NaN falls on), evaluated in float.

internal readonly struct ReluFn : IUnaryFn
{
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public float Scalar(float x) => x > 0 ? x : 0;
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public Vector256<float> Vector(Vector256<float> x) =>
        Vector256.ConditionalSelect(Vector256.GreaterThan(x, Vector256<float>.Zero), x, Vector256<float>.Zero);
}

internal readonly struct HardSwishFn : IUnaryFn
{
    private const float Sixth = 1f / 6;
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public float Scalar(float x) => x * MathF.Max(0, MathF.Min(1, x * Sixth + 0.5f));
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public Vector256<float> Vector(Vector256<float> x) =>
        x * Vector256.Max(Vector256<float>.Zero, Vector256.Min(Vector256<float>.One, x * Vector256.Create(Sixth) + Vector256.Create(0.5f)));
}

internal readonly struct ErfFn : IUnaryFn
{
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public float Scalar(float x) => VectorMath.Erf(x);
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public Vector256<float> Vector(Vector256<float> x) => VectorMath.Erf(x);
}

internal readonly struct LeakyReluFn(float alpha) : IUnaryFn
{
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public float Scalar(float x) => x >= 0 ? x : alpha * x;
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public Vector256<float> Vector(Vector256<float> x) =>
        Vector256.ConditionalSelect(Vector256.GreaterThanOrEqual(x, Vector256<float>.Zero), x, x * Vector256.Create(alpha));
}

internal readonly struct EluFn(float alpha) : IUnaryFn
{
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public float Scalar(float x) => x >= 0 ? x : alpha * (MathF.Exp(x) - 1);
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public Vector256<float> Vector(Vector256<float> x) =>
        Vector256.ConditionalSelect(Vector256.GreaterThanOrEqual(x, Vector256<float>.Zero), x,
            Vector256.Create(alpha) * (Vector256.Exp(x) - Vector256<float>.One));
}

internal readonly struct SeluFn(float alpha, float gamma) : IUnaryFn
{
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public float Scalar(float x) => x > 0 ? gamma * x : gamma * alpha * (MathF.Exp(x) - 1);
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public Vector256<float> Vector(Vector256<float> x) =>
        Vector256.ConditionalSelect(Vector256.GreaterThan(x, Vector256<float>.Zero), Vector256.Create(gamma) * x,
            Vector256.Create(gamma * alpha) * (Vector256.Exp(x) - Vector256<float>.One));
}

internal readonly struct HardSigmoidFn(float alpha, float beta) : IUnaryFn
{
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public float Scalar(float x) => MathF.Max(0, MathF.Min(1, alpha * x + beta));
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public Vector256<float> Vector(Vector256<float> x) =>
        Vector256.Max(Vector256<float>.Zero, Vector256.Min(Vector256<float>.One, Vector256.Create(alpha) * x + Vector256.Create(beta)));
}

internal readonly struct ClipFn(float lo, float hi) : IUnaryFn
{
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public float Scalar(float x) => MathF.Min(MathF.Max(x, lo), hi);
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public Vector256<float> Vector(Vector256<float> x) => Vector256.Min(Vector256.Max(x, Vector256.Create(lo)), Vector256.Create(hi));
}

/// <summary>1 / (1 + e^−x); saturates cleanly (e^−x = ∞ gives 0).</summary>
internal readonly struct SigmoidFn : IUnaryFn
{
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public float Scalar(float x) => 1f / (1f + MathF.Exp(-x));
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public Vector256<float> Vector(Vector256<float> x) => Vector256<float>.One / (Vector256<float>.One + Vector256.Exp(-x));
}

internal readonly struct ExpFn : IUnaryFn
{
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public float Scalar(float x) => MathF.Exp(x);
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public Vector256<float> Vector(Vector256<float> x) => Vector256.Exp(x);
}

internal readonly struct SqrtFn : IUnaryFn
{
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public float Scalar(float x) => MathF.Sqrt(x);
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public Vector256<float> Vector(Vector256<float> x) => Vector256.Sqrt(x);
}
