using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using KernelVision.Ops;

namespace KernelVision.Cpu.Conv;

// One vector width for the channel-blocked depthwise kernel (one lane per channel). The JIT
// specialises a generic method for every struct type argument and inlines these static calls, so
// one source gives a Vector256 kernel for AVX2 and a Vector512 one for AVX-512.

/// <summary>A vector of float lanes, one per channel of a block, and the transposes between NCHW planes and channel-interleaved pixels.</summary>
internal unsafe interface IChannelLanes<TV> where TV : unmanaged
{
    /// <summary>Lanes (channels per block).</summary>
    static abstract int Count { get; }

    static abstract TV Zero { get; }
    static abstract TV Create(float value);
    static abstract TV Load(float* p);
    static abstract void Store(TV v, float* p);

    /// <summary>a·b + c.</summary>
    static abstract TV Fma(TV a, TV b, TV c);

    /// <summary>
    /// a where a &gt; b, else b (so b where either is NaN): one vmaxps, where Vector.Max's IEEE 754
    /// maximum (NaN and signed-zero handling) costs about six instructions per vector.
    /// </summary>
    static abstract TV Max(TV a, TV b);

    /// <summary>a where a &lt; b, else b (b where either is NaN): one vminps.</summary>
    static abstract TV Min(TV a, TV b);

    static abstract TV Multiply(TV a, TV b);
    static abstract TV Add(TV a, TV b);

    /// <summary>v where v ≥ 0, else <paramref name="otherwise"/>.</summary>
    static abstract TV WhereNonNegative(TV v, TV otherwise);

    /// <summary>
    /// Pixels [0, Count) of the first <paramref name="count"/> channel planes at <paramref name="src"/>
    /// (<paramref name="plane"/> floats apart; lanes past <paramref name="count"/> zero), stored as
    /// one vector per pixel at dst + off[k].
    /// </summary>
    static abstract void Interleave(float* src, long plane, int count, int* off, float* dst);

    /// <summary>The inverse: Count pixel vectors at src (Count floats apart) into the first <paramref name="count"/> channel planes at <paramref name="dst"/>.</summary>
    static abstract void Deinterleave(float* src, int count, float* dst, long plane);
}

/// <summary>Eight channels in a Vector256 (AVX2).</summary>
internal unsafe struct Lanes256 : IChannelLanes<Vector256<float>>
{
    public static int Count => 8;
    public static Vector256<float> Zero => Vector256<float>.Zero;
    public static Vector256<float> Create(float value) => Vector256.Create(value);
    public static Vector256<float> Load(float* p) => Vector256.Load(p);
    public static void Store(Vector256<float> v, float* p) => Vector256.Store(v, p);
    public static Vector256<float> Fma(Vector256<float> a, Vector256<float> b, Vector256<float> c) => Vector256.FusedMultiplyAdd(a, b, c);
    public static Vector256<float> Max(Vector256<float> a, Vector256<float> b) => Vector256.MaxNative(a, b);
    public static Vector256<float> Min(Vector256<float> a, Vector256<float> b) => Vector256.MinNative(a, b);
    public static Vector256<float> Multiply(Vector256<float> a, Vector256<float> b) => a * b;
    public static Vector256<float> Add(Vector256<float> a, Vector256<float> b) => a + b;
    public static Vector256<float> WhereNonNegative(Vector256<float> v, Vector256<float> otherwise) =>
        Vector256.ConditionalSelect(Vector256.GreaterThanOrEqual(v, Vector256<float>.Zero), v, otherwise);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Interleave(float* src, long plane, int count, int* off, float* dst) => Interleave8(src, plane, count, off, dst);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Deinterleave(float* src, int count, float* dst, long plane) => Deinterleave8(src, 8, count, dst, plane);

    /// <summary>8 pixels × the first <paramref name="count"/> (≤ 8) channels into eight-lane vectors at dst + off[k].</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static void Interleave8(float* src, long plane, int count, int* off, float* dst)
    {
        Vector256<float> v0 = Row(src, plane, count, 0), v1 = Row(src, plane, count, 1), v2 = Row(src, plane, count, 2), v3 = Row(src, plane, count, 3);
        Vector256<float> v4 = Row(src, plane, count, 4), v5 = Row(src, plane, count, 5), v6 = Row(src, plane, count, 6), v7 = Row(src, plane, count, 7);
        Transpose8x8(ref v0, ref v1, ref v2, ref v3, ref v4, ref v5, ref v6, ref v7);
        Vector256.Store(v0, dst + off[0]); Vector256.Store(v1, dst + off[1]);
        Vector256.Store(v2, dst + off[2]); Vector256.Store(v3, dst + off[3]);
        Vector256.Store(v4, dst + off[4]); Vector256.Store(v5, dst + off[5]);
        Vector256.Store(v6, dst + off[6]); Vector256.Store(v7, dst + off[7]);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<float> Row(float* src, long plane, int count, int j) => j < count ? Vector256.Load(src + j * plane) : Vector256<float>.Zero;

    /// <summary>
    /// Eight pixel vectors at src (<paramref name="stride"/> floats apart; their first eight lanes)
    /// into the first <paramref name="count"/> (≤ 8) channel planes at <paramref name="dst"/>.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static void Deinterleave8(float* src, int stride, int count, float* dst, long plane)
    {
        Vector256<float> v0 = Vector256.Load(src), v1 = Vector256.Load(src + stride), v2 = Vector256.Load(src + 2 * stride), v3 = Vector256.Load(src + 3 * stride);
        Vector256<float> v4 = Vector256.Load(src + 4 * stride), v5 = Vector256.Load(src + 5 * stride), v6 = Vector256.Load(src + 6 * stride), v7 = Vector256.Load(src + 7 * stride);
        Transpose8x8(ref v0, ref v1, ref v2, ref v3, ref v4, ref v5, ref v6, ref v7);
        Vector256.Store(v0, dst);
        if (count > 1) Vector256.Store(v1, dst + plane);
        if (count > 2) Vector256.Store(v2, dst + 2 * plane);
        if (count > 3) Vector256.Store(v3, dst + 3 * plane);
        if (count > 4) Vector256.Store(v4, dst + 4 * plane);
        if (count > 5) Vector256.Store(v5, dst + 5 * plane);
        if (count > 6) Vector256.Store(v6, dst + 6 * plane);
        if (count > 7) Vector256.Store(v7, dst + 7 * plane);
    }

    /// <summary>In-register transpose of the 8×8 matrix whose rows are v0…v7.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Transpose8x8(ref Vector256<float> v0, ref Vector256<float> v1, ref Vector256<float> v2, ref Vector256<float> v3,
        ref Vector256<float> v4, ref Vector256<float> v5, ref Vector256<float> v6, ref Vector256<float> v7)
    {
        if (Avx.IsSupported)
        {
            var t0 = Avx.UnpackLow(v0, v1); var t1 = Avx.UnpackHigh(v0, v1);
            var t2 = Avx.UnpackLow(v2, v3); var t3 = Avx.UnpackHigh(v2, v3);
            var t4 = Avx.UnpackLow(v4, v5); var t5 = Avx.UnpackHigh(v4, v5);
            var t6 = Avx.UnpackLow(v6, v7); var t7 = Avx.UnpackHigh(v6, v7);
            var u0 = Avx.Shuffle(t0, t2, 0x44); var u1 = Avx.Shuffle(t0, t2, 0xEE);
            var u2 = Avx.Shuffle(t1, t3, 0x44); var u3 = Avx.Shuffle(t1, t3, 0xEE);
            var u4 = Avx.Shuffle(t4, t6, 0x44); var u5 = Avx.Shuffle(t4, t6, 0xEE);
            var u6 = Avx.Shuffle(t5, t7, 0x44); var u7 = Avx.Shuffle(t5, t7, 0xEE);
            v0 = Avx.Permute2x128(u0, u4, 0x20); v1 = Avx.Permute2x128(u1, u5, 0x20);
            v2 = Avx.Permute2x128(u2, u6, 0x20); v3 = Avx.Permute2x128(u3, u7, 0x20);
            v4 = Avx.Permute2x128(u0, u4, 0x31); v5 = Avx.Permute2x128(u1, u5, 0x31);
            v6 = Avx.Permute2x128(u2, u6, 0x31); v7 = Avx.Permute2x128(u3, u7, 0x31);
            return;
        }
        // Vector256 without AVX (not a machine this kernel is chosen on, but keep it correct).
        float* m = stackalloc float[64];
        Vector256.Store(v0, m); Vector256.Store(v1, m + 8); Vector256.Store(v2, m + 16); Vector256.Store(v3, m + 24);
        Vector256.Store(v4, m + 32); Vector256.Store(v5, m + 40); Vector256.Store(v6, m + 48); Vector256.Store(v7, m + 56);
        for (int i = 0; i < 8; i++)
            for (int j = i + 1; j < 8; j++) (m[i * 8 + j], m[j * 8 + i]) = (m[j * 8 + i], m[i * 8 + j]);
        v0 = Vector256.Load(m); v1 = Vector256.Load(m + 8); v2 = Vector256.Load(m + 16); v3 = Vector256.Load(m + 24);
        v4 = Vector256.Load(m + 32); v5 = Vector256.Load(m + 40); v6 = Vector256.Load(m + 48); v7 = Vector256.Load(m + 56);
    }
}

/// <summary>Sixteen channels in a Vector512 (AVX-512); the transposes work on the two eight-channel halves.</summary>
internal unsafe struct Lanes512 : IChannelLanes<Vector512<float>>
{
    public static int Count => 16;
    public static Vector512<float> Zero => Vector512<float>.Zero;
    public static Vector512<float> Create(float value) => Vector512.Create(value);
    public static Vector512<float> Load(float* p) => Vector512.Load(p);
    public static void Store(Vector512<float> v, float* p) => Vector512.Store(v, p);
    public static Vector512<float> Fma(Vector512<float> a, Vector512<float> b, Vector512<float> c) => Vector512.FusedMultiplyAdd(a, b, c);
    public static Vector512<float> Max(Vector512<float> a, Vector512<float> b) => Vector512.MaxNative(a, b);
    public static Vector512<float> Min(Vector512<float> a, Vector512<float> b) => Vector512.MinNative(a, b);
    public static Vector512<float> Multiply(Vector512<float> a, Vector512<float> b) => a * b;
    public static Vector512<float> Add(Vector512<float> a, Vector512<float> b) => a + b;
    public static Vector512<float> WhereNonNegative(Vector512<float> v, Vector512<float> otherwise) =>
        Vector512.ConditionalSelect(Vector512.GreaterThanOrEqual(v, Vector512<float>.Zero), v, otherwise);

    /// <summary>Sixteen pixels: four 8×8 transposes (8 pixels × 8 channels each).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Interleave(float* src, long plane, int count, int* off, float* dst)
    {
        Lanes256.Interleave8(src, plane, count, off, dst);
        Lanes256.Interleave8(src + 8, plane, count, off + 8, dst);
        if (count > 8)
        {
            Lanes256.Interleave8(src + 8 * plane, plane, count - 8, off, dst + 8);
            Lanes256.Interleave8(src + 8 * plane + 8, plane, count - 8, off + 8, dst + 8);
        }
        else
            for (int k = 0; k < 16; k++) Vector256.Store(Vector256<float>.Zero, dst + off[k] + 8);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Deinterleave(float* src, int count, float* dst, long plane)
    {
        Lanes256.Deinterleave8(src, 16, Math.Min(count, 8), dst, plane);
        Lanes256.Deinterleave8(src + 8 * 16, 16, Math.Min(count, 8), dst + 8, plane);
        if (count > 8)
        {
            Lanes256.Deinterleave8(src + 8, 16, count - 8, dst + 8 * plane, plane);
            Lanes256.Deinterleave8(src + 8 * 16 + 8, 16, count - 8, dst + 8 * plane + 8, plane);
        }
    }
}

/// <summary>
/// A fused activation done in registers, as a type argument: a kernel instance then holds exactly
/// one formula and no switch in its inner loops (which also kept the JIT from inlining the vector
/// operations of the larger kernels). Sigmoid and Tanh are not done in registers (<see cref="ConvEpilogue.InRegister"/>): <see cref="ChannelActivation.Linear"/>.
/// </summary>
internal interface IInRegisterActivation
{
    /// <summary>act(v), <paramref name="alpha"/> and <paramref name="beta"/> holding the activation's parameters in every lane.</summary>
    static abstract TV Apply<TL, TV>(TV v, TV alpha, TV beta) where TL : struct, IChannelLanes<TV> where TV : unmanaged;
}

/// <summary>The in-register part of the fused activations, for any lane width: one struct per activation, and a switch over them.</summary>
internal static class ChannelActivation
{
    /// <summary>act(v) for everything but Sigmoid and Tanh (see <see cref="ConvEpilogue.InRegister"/>), which pass through.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static TV Activate<TL, TV>(TV v, in FusedActivation act) where TL : struct, IChannelLanes<TV> where TV : unmanaged => act.Kind switch
    {
        ActivationKind.Relu => Relu.Apply<TL, TV>(v, default, default),
        ActivationKind.LeakyRelu => LeakyRelu.Apply<TL, TV>(v, TL.Create(act.Alpha), default),
        ActivationKind.Clip => Clip.Apply<TL, TV>(v, TL.Create(act.Alpha), TL.Create(act.Beta)),
        ActivationKind.HardSigmoid => HardSigmoid.Apply<TL, TV>(v, TL.Create(act.Alpha), TL.Create(act.Beta)),
        _ => v,
    };

    public struct Linear : IInRegisterActivation
    {
        public static TV Apply<TL, TV>(TV v, TV alpha, TV beta) where TL : struct, IChannelLanes<TV> where TV : unmanaged => v;
    }

    /// <summary>v &gt; 0 ? v : 0, as <see cref="FusedActivation.Apply(float)"/> (NaN → 0).</summary>
    public struct Relu : IInRegisterActivation
    {
        public static TV Apply<TL, TV>(TV v, TV alpha, TV beta) where TL : struct, IChannelLanes<TV> where TV : unmanaged => TL.Max(v, TL.Zero);
    }

    public struct LeakyRelu : IInRegisterActivation
    {
        public static TV Apply<TL, TV>(TV v, TV alpha, TV beta) where TL : struct, IChannelLanes<TV> where TV : unmanaged =>
            TL.WhereNonNegative(v, TL.Multiply(v, alpha));
    }

    /// <summary>min(max(v, alpha), beta), v second so that NaN passes through as in MathF.Min/Max.</summary>
    public struct Clip : IInRegisterActivation
    {
        public static TV Apply<TL, TV>(TV v, TV alpha, TV beta) where TL : struct, IChannelLanes<TV> where TV : unmanaged => TL.Min(beta, TL.Max(alpha, v));
    }

    /// <summary>max(0, min(1, alpha·v + beta)), the value second so that NaN passes through as in MathF.Min/Max.</summary>
    public struct HardSigmoid : IInRegisterActivation
    {
        public static TV Apply<TL, TV>(TV v, TV alpha, TV beta) where TL : struct, IChannelLanes<TV> where TV : unmanaged =>
            TL.Max(TL.Zero, TL.Min(TL.Create(1f), TL.Add(TL.Multiply(v, alpha), beta)));
    }
}
