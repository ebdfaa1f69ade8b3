using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace KernelVision.Cpu.Conv;

/// <summary>
/// Copies one input channel into a zero-padded scratch plane whose rows are split into
/// <c>sw</c> phases along the width: padded column pc lands in phase pc mod sw at index pc / sw
/// (row layout: sw phases of <c>lw</c> floats). With that layout the inputs of consecutive
/// outputs (stride sw), or of consecutive Winograd tiles (step 4), are consecutive floats, so
/// kernels read them with plain vector loads and never check bounds.
/// </summary>
internal static unsafe class PhaseSplitPlane
{
    /// <summary>
    /// Fills <paramref name="rows"/> padded rows (row stride sw·lw) at <paramref name="buf"/> from
    /// the H×W <paramref name="plane"/> placed at (<paramref name="pt"/>, <paramref name="pl"/>).
    /// <paramref name="line"/> is sw·lw floats of scratch (unused when sw = 1).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Fill(float* plane, int h, int w, int pt, int pl, int rows, int sw, int lw, float* buf, float* line)
    {
        int padded = sw * lw;
        for (int r = 0; r < rows; r++)
        {
            float* dst = buf + (long)r * padded;
            int ih = r - pt;
            if ((uint)ih >= (uint)h)
            {
                Im2ColSource.Zero(dst, padded);
                continue;
            }
            float* row = plane + (long)ih * w;
            if (sw == 2 && Avx2.IsSupported)
            {
                SplitRow2(row, Math.Max(0, Math.Min(w, padded - pl)), pl, lw, dst, dst + lw);
                continue;
            }
            float* target = sw == 1 ? dst : line;
            int len = Math.Max(0, Math.Min(w, padded - pl));
            Im2ColSource.Zero(target, pl);
            Im2ColSource.Copy(row, target + pl, len);
            Im2ColSource.Zero(target + pl + len, padded - pl - len);
            if (sw != 1) Split(line, dst, sw, lw);
        }
    }

    /// <summary>
    /// One padded row for stride 2 straight from the source row (no padded copy first): source
    /// column ic is padded column ic + pl, so even source columns land in phase pl mod 2 from index
    /// ⌊pl/2⌋ on and odd ones in the other phase from ⌊(pl+1)/2⌋; everything else is zero. Phase
    /// 0's <paramref name="lw"/> floats go to <paramref name="dst0"/>, phase 1's to <paramref name="dst1"/>.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static void SplitRow2(float* src, int len, int pl, int lw, float* dst0, float* dst1)
    {
        int pe = pl & 1, se = pl >> 1, so = (pl + 1) >> 1;
        int ne = (len + 1) / 2, no = len / 2;
        float* evenRow = pe == 0 ? dst0 : dst1, oddRow = pe == 0 ? dst1 : dst0;
        float* even = evenRow + se, odd = oddRow + so;
        Im2ColSource.Zero(evenRow, se);
        Im2ColSource.Zero(even + ne, lw - se - ne);
        Im2ColSource.Zero(oddRow, so);
        Im2ColSource.Zero(odd + no, lw - so - no);
        int j = 0;
        if (Avx2.IsSupported)
            for (; 2 * j + 16 <= len; j += 8) Deinterleave8(src + 2 * j, even + j, odd + j);
        for (int k = j; k < ne; k++) even[k] = src[2 * k];
        for (int k = j; k < no; k++) odd[k] = src[2 * k + 1];
    }

    /// <summary>
    /// Phase 0 only of <see cref="SplitRow2"/>'s row (the even padded columns), for convs whose
    /// taps never read the odd ones (one tap wide, or an even dilation): <paramref name="lw"/> floats at <paramref name="dst"/>.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static void EvenColumns(float* src, int len, int pl, int lw, float* dst)
    {
        // Padded column 2j is source column 2j − pl: the first such inside the row is j0.
        int j0 = (pl + 1) >> 1, s0 = 2 * j0 - pl;
        int n = Math.Max(0, Math.Min(lw - j0, (len - s0 + 1) / 2));
        Im2ColSource.Zero(dst, j0);
        Im2ColSource.Zero(dst + j0 + n, lw - j0 - n);
        float* from = src + s0, to = dst + j0;
        int j = 0;
        if (Avx2.IsSupported)
            for (; s0 + 2 * j + 16 <= len && j + 8 <= n; j += 8)
            {
                var a = Avx.LoadVector256(from + 2 * j);
                var b = Avx.LoadVector256(from + 2 * j + 8);
                Avx.Store(to + j, Avx2.Permute4x64(Avx.Shuffle(a, b, 0b10_00_10_00).AsDouble(), 0b11_01_10_00).AsSingle());
            }
        for (; j < n; j++) to[j] = from[2 * j];
    }

    /// <summary>even[0..8) = src[0, 2, …, 14], odd[0..8) = src[1, 3, …, 15].</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Deinterleave8(float* src, float* even, float* odd)
    {
        var a = Avx.LoadVector256(src);
        var b = Avx.LoadVector256(src + 8);
        // Within 128-bit lanes: [a0 a2 b0 b2 | a4 a6 b4 b6] and [a1 a3 b1 b3 | a5 a7 b5 b7];
        // then reorder the 64-bit pairs to [a0 a2 a4 a6 b0 b2 b4 b6].
        var e = Avx.Shuffle(a, b, 0b10_00_10_00);
        var o = Avx.Shuffle(a, b, 0b11_01_11_01);
        Avx.Store(even, Avx2.Permute4x64(e.AsDouble(), 0b11_01_10_00).AsSingle());
        Avx.Store(odd, Avx2.Permute4x64(o.AsDouble(), 0b11_01_10_00).AsSingle());
    }

    /// <summary>dst[p·lw + i] = src[i·sw + p] for p &lt; sw, i &lt; lw.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Split(float* src, float* dst, int sw, int lw)
    {
        int i = 0;
        if (sw == 2 && Avx2.IsSupported)
        {
            float* even = dst, odd = dst + lw;
            for (; i <= lw - 8; i += 8) Deinterleave8(src + 2 * i, even + i, odd + i);
        }
        else if (sw == 4 && Avx.IsSupported)
        {
            for (; i <= lw - 8; i += 8)
            {
                // Eight groups g0..g7 of four; phase p is element p of every group.
                float* s = src + 4 * i;
                var v0 = Avx.LoadVector256(s);      // [g0 | g1]
                var v1 = Avx.LoadVector256(s + 8);  // [g2 | g3]
                var v2 = Avx.LoadVector256(s + 16); // [g4 | g5]
                var v3 = Avx.LoadVector256(s + 24); // [g6 | g7]
                var r0 = Avx.Permute2x128(v0, v2, 0x20); // [g0 | g4]
                var r1 = Avx.Permute2x128(v1, v3, 0x20); // [g2 | g6]
                var r2 = Avx.Permute2x128(v0, v2, 0x31); // [g1 | g5]
                var r3 = Avx.Permute2x128(v1, v3, 0x31); // [g3 | g7]
                var t0 = Avx.UnpackLow(r0, r2);
                var t1 = Avx.UnpackHigh(r0, r2);
                var t2 = Avx.UnpackLow(r1, r3);
                var t3 = Avx.UnpackHigh(r1, r3);
                Avx.Store(dst + i, Avx.Shuffle(t0, t2, 0x44));
                Avx.Store(dst + lw + i, Avx.Shuffle(t0, t2, 0xEE));
                Avx.Store(dst + 2 * lw + i, Avx.Shuffle(t1, t3, 0x44));
                Avx.Store(dst + 3 * lw + i, Avx.Shuffle(t1, t3, 0xEE));
            }
        }
        for (; i < lw; i++)
            for (int p = 0; p < sw; p++) dst[p * lw + i] = src[i * sw + p];
    }
}
