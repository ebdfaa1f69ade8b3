using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace KernelVision.Cpu.Gemm;

/// <summary>
/// Copies operand blocks into the panel layout the microkernels stream: panel after panel of
/// <c>width</c> X-values, each k-major (<c>dst[kk*width + x]</c>) and zero-padded past the edge so
/// the microkernel never branches on ragged shapes.
/// </summary>
public static unsafe class GemmPacking
{
    /// <summary>
    /// Packs X range [<paramref name="x0"/>, x0 + <paramref name="xCount"/>) × K range
    /// [<paramref name="k0"/>, k0 + <paramref name="kc"/>) of <paramref name="op"/> as ⌈xCount/width⌉
    /// consecutive panels of kc·width floats at <paramref name="dst"/>.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void PackBlock(in GemmOperand op, float* dst, int width, int x0, int xCount, int k0, int kc)
    {
        for (int x = 0; x < xCount; x += width)
        {
            PackPanel(op, dst, width, x0 + x, Math.Min(width, xCount - x), k0, kc);
            dst += (long)kc * width;
        }
    }

    /// <summary>Packs one panel: <c>dst[kk*width + x] = op(x0 + x, k0 + kk)</c>, zero for x ≥ <paramref name="count"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void PackPanel(in GemmOperand op, float* dst, int width, int x0, int count, int k0, int kc)
    {
        if (op.Source is { } source)
        {
            source.PackPanel(dst, width, x0, count, k0, kc);
            return;
        }
        if (op.Packed is not null) throw new InvalidOperationException("a packed operand is not repacked");
        if (op.RowOffsets != null)
        {
            for (int kk = 0; kk < kc; kk++)
            {
                float* d = dst + kk * width;
                float* row = op.Data + op.RowOffsets[k0 + kk];
                if (op.XOffsets == null) new ReadOnlySpan<float>(row + x0, count).CopyTo(new Span<float>(d, count));
                else
                    for (int x = 0; x < count; x++) d[x] = row[op.XOffsets[x0 + x]];
                new Span<float>(d + count, width - count).Clear();
            }
            return;
        }
        float* src = op.Data + x0 * op.XStride + k0 * op.KStride;
        if (op.XStride == 1) PackContiguousX(src, op.KStride, dst, width, count, kc);
        else if (op.KStride == 1) PackContiguousK(src, op.XStride, dst, width, count, kc);
        else
        {
            for (int kk = 0; kk < kc; kk++)
            {
                float* d = dst + kk * width;
                float* s = src + kk * op.KStride;
                int x = 0;
                for (; x < count; x++) d[x] = s[x * op.XStride];
                for (; x < width; x++) d[x] = 0;
            }
        }
    }

    /// <summary>X is contiguous (B not transposed, A transposed): each k row is a straight copy.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void PackContiguousX(float* src, nint kStride, float* dst, int width, int count, int kc)
    {
        if (width == 6 && Avx.IsSupported && kc > 0)
        {
            // An A panel of the transposed products (pixels × channels): six floats per k row. Each
            // row is one masked load (the lanes past `count` read nothing and hold zero) and one
            // 8-wide store whose two spare lanes spill into the next k row, which its own store then
            // overwrites; only the last row stores exactly its six.
            var mask = Vector256.LessThan(Vector256.Create(0, 1, 2, 3, 4, 5, 6, 7), Vector256.Create(count)).AsSingle();
            for (int kk = 0; kk < kc - 1; kk++, src += kStride, dst += 6) Avx.Store(dst, Avx.MaskLoad(src, mask));
            Avx.MaskStore(dst, Six, Avx.MaskLoad(src, mask));
            return;
        }
        if (count == width && (width & 3) == 0 && Vector128.IsHardwareAccelerated)
        {
            if (width == 16)
            {
                for (int kk = 0; kk < kc; kk++, src += kStride, dst += 16)
                {
                    Vector128.Store(Vector128.Load(src), dst);
                    Vector128.Store(Vector128.Load(src + 4), dst + 4);
                    Vector128.Store(Vector128.Load(src + 8), dst + 8);
                    Vector128.Store(Vector128.Load(src + 12), dst + 12);
                }
                return;
            }
            for (int kk = 0; kk < kc; kk++, src += kStride, dst += width)
                for (int x = 0; x < width; x += 4)
                    Vector128.Store(Vector128.Load(src + x), dst + x);
            return;
        }
        for (int kk = 0; kk < kc; kk++, src += kStride, dst += width)
        {
            int x = 0;
            for (; x < count; x++) dst[x] = src[x];
            for (; x < width; x++) dst[x] = 0;
        }
    }

    /// <summary>The first six of eight lanes: a 6-wide panel row.</summary>
    internal static Vector256<float> Six
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        get => Vector256.LessThan(Vector256.Create(0, 1, 2, 3, 4, 5, 6, 7), Vector256.Create(6)).AsSingle();
    }

    /// <summary>K is contiguous (A not transposed, B transposed): a transposition; reads stream along k.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void PackContiguousK(float* src, nint xStride, float* dst, int width, int count, int kc)
    {
        int kk0 = 0;
        if (Avx.IsSupported && count == width && (width % 8 == 0 || width == 6))
        {
            // 8×8 register transposes. For a 6-wide panel the two spare lanes of each stored row
            // spill into the next k row, which a later store overwrites: hence the strict "<".
            int xBlocks = width == 6 ? 1 : width / 8;
            for (; width == 6 ? kk0 + 8 < kc : kk0 + 8 <= kc; kk0 += 8)
                for (int xb = 0; xb < xBlocks; xb++)
                    Transpose8(src + xb * 8 * xStride + kk0, xStride, width == 6 ? 6 : 8, dst + kk0 * width + xb * 8, width);
        }
        if (kk0 < kc)
        {
            for (int x = 0; x < count; x++)
            {
                float* s = src + x * xStride;
                float* d = dst + x;
                for (int kk = kk0; kk < kc; kk++) d[kk * width] = s[kk];
            }
        }
        if (count < width)
            for (int kk = 0; kk < kc; kk++)
                for (int x = count; x < width; x++) dst[kk * width + x] = 0;
    }

    /// <summary>
    /// dst[k*dstStride + x] = src[x*srcStride + k] for k, x &lt; 8, reading <paramref name="rows"/> (6 or 8) source rows;
    /// with 6 rows, lanes 6 and 7 of each destination row are garbage. Also the conv's transposition of Yᵀ (<see cref="Conv.MatrixTranspose"/>).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static void Transpose8(float* src, nint srcStride, int rows, float* dst, nint dstStride)
    {
        var r0 = Avx.LoadVector256(src);
        var r1 = Avx.LoadVector256(src + srcStride);
        var r2 = Avx.LoadVector256(src + 2 * srcStride);
        var r3 = Avx.LoadVector256(src + 3 * srcStride);
        var r4 = Avx.LoadVector256(src + 4 * srcStride);
        var r5 = Avx.LoadVector256(src + 5 * srcStride);
        var r6 = rows > 6 ? Avx.LoadVector256(src + 6 * srcStride) : r0;
        var r7 = rows > 7 ? Avx.LoadVector256(src + 7 * srcStride) : r0;
        var t0 = Avx.UnpackLow(r0, r1);   // a0 b0 a1 b1 | a4 b4 a5 b5
        var t1 = Avx.UnpackHigh(r0, r1);  // a2 b2 a3 b3 | a6 b6 a7 b7
        var t2 = Avx.UnpackLow(r2, r3);
        var t3 = Avx.UnpackHigh(r2, r3);
        var t4 = Avx.UnpackLow(r4, r5);
        var t5 = Avx.UnpackHigh(r4, r5);
        var t6 = Avx.UnpackLow(r6, r7);
        var t7 = Avx.UnpackHigh(r6, r7);
        var s0 = Avx.Shuffle(t0, t2, 0x44); // a0 b0 c0 d0 | a4 b4 c4 d4
        var s1 = Avx.Shuffle(t0, t2, 0xEE); // a1 b1 c1 d1 | a5 b5 c5 d5
        var s2 = Avx.Shuffle(t1, t3, 0x44);
        var s3 = Avx.Shuffle(t1, t3, 0xEE);
        var s4 = Avx.Shuffle(t4, t6, 0x44); // e0 f0 g0 h0 | e4 f4 g4 h4
        var s5 = Avx.Shuffle(t4, t6, 0xEE);
        var s6 = Avx.Shuffle(t5, t7, 0x44);
        var s7 = Avx.Shuffle(t5, t7, 0xEE);
        Avx.Store(dst, Avx.Permute2x128(s0, s4, 0x20));
        Avx.Store(dst + dstStride, Avx.Permute2x128(s1, s5, 0x20));
        Avx.Store(dst + 2 * dstStride, Avx.Permute2x128(s2, s6, 0x20));
        Avx.Store(dst + 3 * dstStride, Avx.Permute2x128(s3, s7, 0x20));
        Avx.Store(dst + 4 * dstStride, Avx.Permute2x128(s0, s4, 0x31));
        Avx.Store(dst + 5 * dstStride, Avx.Permute2x128(s1, s5, 0x31));
        Avx.Store(dst + 6 * dstStride, Avx.Permute2x128(s2, s6, 0x31));
        Avx.Store(dst + 7 * dstStride, Avx.Permute2x128(s3, s7, 0x31));
    }
}
