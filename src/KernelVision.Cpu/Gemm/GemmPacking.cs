using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

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

    /// <summary>K is contiguous (A not transposed, B transposed): a transposition; reads stream along k.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void PackContiguousK(float* src, nint xStride, float* dst, int width, int count, int kc)
    {
        if (count == 6 && width == 6)
        {
            float* s0 = src, s1 = src + xStride, s2 = s1 + xStride, s3 = s2 + xStride, s4 = s3 + xStride, s5 = s4 + xStride;
            for (int kk = 0; kk < kc; kk++, dst += 6)
            {
                dst[0] = s0[kk]; dst[1] = s1[kk]; dst[2] = s2[kk];
                dst[3] = s3[kk]; dst[4] = s4[kk]; dst[5] = s5[kk];
            }
            return;
        }
        for (int x = 0; x < count; x++)
        {
            float* s = src + x * xStride;
            float* d = dst + x;
            for (int kk = 0; kk < kc; kk++) d[kk * width] = s[kk];
        }
        if (count < width)
            for (int kk = 0; kk < kc; kk++)
                for (int x = count; x < width; x++) dst[kk * width + x] = 0;
    }
}
