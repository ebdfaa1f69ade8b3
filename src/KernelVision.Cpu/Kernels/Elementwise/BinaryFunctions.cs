using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace KernelVision.Cpu.Kernels.Elementwise;

// Binary arithmetic as IBinaryFn structs for the Broadcast engine. Float +, −, ·, / round the same
// as the Reference's double maths rounded once (double holds the exact result of a float op well
// enough that the final rounding agrees), so these match it to the last bit.

internal readonly struct AddFn : IBinaryFn
{
    public bool Vectorized => true;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public float Scalar(float a, float b) => a + b;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public Vector256<float> Vector(Vector256<float> a, Vector256<float> b) => a + b;
}

internal readonly struct SubFn : IBinaryFn
{
    public bool Vectorized => true;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public float Scalar(float a, float b) => a - b;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public Vector256<float> Vector(Vector256<float> a, Vector256<float> b) => a - b;
}

internal readonly struct MulFn : IBinaryFn
{
    public bool Vectorized => true;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public float Scalar(float a, float b) => a * b;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public Vector256<float> Vector(Vector256<float> a, Vector256<float> b) => a * b;
}

internal readonly struct DivFn : IBinaryFn
{
    public bool Vectorized => true;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public float Scalar(float a, float b) => a / b;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public Vector256<float> Vector(Vector256<float> a, Vector256<float> b) => a / b;
}

/// <summary>a^b with MathF.Pow (no vector form).</summary>
internal readonly struct PowFn : IBinaryFn
{
    public bool Vectorized => false;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public float Scalar(float a, float b) => MathF.Pow(a, b);
    public Vector256<float> Vector(Vector256<float> a, Vector256<float> b) => throw new NotSupportedException();
}

/// <summary>a² (Pow with the constant exponent 2, common in decomposed normalisations); ignores b.</summary>
internal readonly struct SquareFn : IBinaryFn
{
    public bool Vectorized => true;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public float Scalar(float a, float b) => a * a;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public Vector256<float> Vector(Vector256<float> a, Vector256<float> b) => a * a;
}

/// <summary>PRelu: x for x ≥ 0, slope·x otherwise (a = x, b = slope).</summary>
internal readonly struct PReluFn : IBinaryFn
{
    public bool Vectorized => true;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public float Scalar(float a, float b) => a >= 0 ? a : b * a;
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public Vector256<float> Vector(Vector256<float> a, Vector256<float> b) =>
        Vector256.ConditionalSelect(Vector256.GreaterThanOrEqual(a, Vector256<float>.Zero), a, b * a);
}
