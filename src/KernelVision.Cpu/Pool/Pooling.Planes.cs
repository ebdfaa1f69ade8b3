using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using KernelVision.Cpu.Memory;

namespace KernelVision.Cpu.Pool;

internal static partial class Pooling
{
    /// <summary>False sends every 2-D pool through <see cref="TableRows2D"/> (benchmarks flip it to compare).</summary>
    internal static bool WholePlanes = true;

    /// <summary>
    /// True when <see cref="Planes2D"/> computes this 2-D pool: x86 with AVX2, a stride of 1 or 2
    /// along W (any stride along H, dilation and ceil_mode), a window of at most 256 taps, and no pad
    /// as wide as the window's extent. It loads every tap of every window, padding included, so a
    /// 2×65535 window over a 32-wide plane (a fuzzer's) would take minutes; the table path visits
    /// only the taps on real input.
    /// </summary>
    internal static bool PlanesApply(PoolPlan p)
    {
        var g = p.Geometry;
        if (!WholePlanes || !Avx2.IsSupported || p.Rank != 2 || g.Strides[1] is not (1 or 2) || g.KernelSize > MaxPlaneTaps) return false;
        for (int a = 0; a < 2; a++)
        {
            int extent = (g.Kernel[a] - 1) * g.Dilations[a] + 1;
            if (g.PadsBegin[a] >= extent || g.PadsEnd[a] >= extent) return false;
        }
        return true;
    }

    /// <summary>Windows of more taps take the table path (see <see cref="PlanesApply"/>).</summary>
    private const int MaxPlaneTaps = 256;

    /// <summary>
    /// Planes [<paramref name="pl0"/>, <paramref name="pl1"/>) of a 2-D pool, one whole plane at a
    /// time. Each plane is copied into a scratch plane that already holds the padding (0 for average,
    /// −inf for max, written once per call: the copies only ever overwrite the input's own cells),
    /// with stride-2 rows split into their even and odd columns. Every tap of a run of neighbouring
    /// outputs is then one plain vector load, and an output row is a few full vector steps with no
    /// border cases: Inception's 17×17 and 8×8 planes were bound by the row paths' per-row bookkeeping
    /// and masked border loads, not by the adds. Max keeps the Reference's first largest tap bit for
    /// bit: the row steps take the taps in row-major order, the flat path (stride 1) reduces each row
    /// first and then the rows top to bottom, which picks the same tap; a NaN tap never wins, and an
    /// all-NaN or all-padding window is redone by the exact rule. Averages sum the same taps as the
    /// Reference (padding adds +0), in the flat path in another order (equal within rounding).
    /// </summary>
    /// <remarks><paramref name="maxWidth"/> 8 keeps to the AVX2 steps (tests check those on AVX-512 machines too).</remarks>
    public static void Planes2D(PoolPlan p, PoolKind kind, bool includePad, ReadOnlySpan<float> x, Span<float> y, int pl0, int pl1, int maxWidth = 16)
    {
        bool avx512 = Avx512F.IsSupported && Vector512.IsHardwareAccelerated && maxWidth >= 16;
        bool stride2 = p.Geometry.Strides[1] == 2;
        // Flat steps waste no lanes on a row's ragged end, so they take the widest vector; row steps only from 9 outputs on.
        bool wide = avx512 && (p.Geometry.OutputSpatial[1] > 8 || p.Geometry.Strides[0] == 1 && !stride2);
        if (p.Geometry.Strides[0] == 1 && !stride2)
        {
            if (kind == PoolKind.Max)
            {
                if (wide) FlatPlanes2D<Yes, Yes>(p, includePad, x, y, pl0, pl1);
                else FlatPlanes2D<Yes, No>(p, includePad, x, y, pl0, pl1);
            }
            else if (wide) FlatPlanes2D<No, Yes>(p, includePad, x, y, pl0, pl1);
            else FlatPlanes2D<No, No>(p, includePad, x, y, pl0, pl1);
            return;
        }
        if (kind == PoolKind.Max && stride2 && avx512 && DirectMaxApplies(p))
        {
            DirectMaxS2(p, x, y, pl0, pl1);
            return;
        }
        if (kind == PoolKind.Max)
        {
            if (wide) Planes2D<Yes, Yes>(p, includePad, x, y, pl0, pl1, stride2);
            else Planes2D<Yes, No>(p, includePad, x, y, pl0, pl1, stride2);
        }
        else if (wide) Planes2D<No, Yes>(p, includePad, x, y, pl0, pl1, stride2);
        else Planes2D<No, No>(p, includePad, x, y, pl0, pl1, stride2);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static unsafe void Planes2D<TMax, TWide>(PoolPlan p, bool includePad, ReadOnlySpan<float> x, Span<float> y, int pl0, int pl1, bool stride2)
        where TMax : struct, IFlag where TWide : struct, IFlag
    {
        var g = p.Geometry;
        int ih = g.InputSpatial[0], iw = g.InputSpatial[1], oh = g.OutputSpatial[0], ow = g.OutputSpatial[1];
        int kh = g.Kernel[0], kw = g.Kernel[1], sh = g.Strides[0], dh = g.Dilations[0], dw = g.Dilations[1];
        int pt = g.PadsBegin[0], left = g.PadsBegin[1];
        int width = TWide.Value ? 16 : 8, sw = stride2 ? 2 : 1;
        // Padded rows and columns any window reads; a vector step reads `width` outputs' windows,
        // so a row narrower than one step still reads whole steps.
        int rows = (oh - 1) * sh + (kh - 1) * dh + 1;
        int cols = (Math.Max(ow, width) - 1) * sw + (kw - 1) * dw + 1;
        int lw = stride2 ? (cols + 1) / 2 : cols, pitch = stride2 ? 2 * lw : cols;
        long planeFloats = (long)rows * pitch;
        float* buf = ThreadScratch.Get(ScratchSlot.Temp0, planeFloats);
        float padValue = TMax.Value ? float.NegativeInfinity : 0f;
        new Span<float>(buf, checked((int)planeFloats)).Fill(padValue);

        // Padded column c of a row lives at (c mod 2)·lw + c/2 when rows are split, else at c.
        Span<int> taps = stackalloc int[kh * kw];
        for (int dy = 0, t = 0; dy < kh; dy++)
            for (int dx = 0; dx < kw; dx++, t++)
            {
                int c = dx * dw;
                taps[t] = dy * dh * pitch + (stride2 ? (c & 1) * lw + (c >> 1) : c);
            }
        float[] columnTaps = includePad ? p.ColumnPaddedTaps : p.ColumnTaps;
        int len = Math.Max(0, Math.Min(iw, cols - left)); // input columns any window reads
        int firstRow = Math.Max(0, pt), lastRow = Math.Min(rows, ih + pt); // padded rows that hold input
        int inPlane = ih * iw, outPlane = oh * ow;
        var outputs = TWide.Value ? Vector512.Create(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15) : default;
        var outputs8 = Vector256.Create(0, 1, 2, 3, 4, 5, 6, 7);

        fixed (float* xp = x)
        fixed (float* yp = y)
        fixed (float* divisors = columnTaps)
        fixed (int* tap = taps)
        {
            int tapCount = taps.Length;
            for (int pl = pl0; pl < pl1; pl++)
            {
                float* plane = xp + (long)pl * inPlane;
                for (int r = firstRow; r < lastRow; r++)
                {
                    float* src = plane + (long)(r - pt) * iw, dst = buf + (long)r * pitch;
                    if (stride2) SplitColumns(src, len, left, lw, dst);
                    else CopyRow(src, len, dst + left);
                }
                for (int oy = 0; oy < oh; oy++)
                {
                    float* top = buf + (long)oy * sh * pitch;
                    float* yRow = yp + (long)pl * outPlane + (long)oy * ow;
                    float rowDivisor = TMax.Value ? 1f : includePad ? p.Padded[0][oy] : p.End[0][oy] - p.First[0][oy];
                    bool redo = false;
                    ulong stored = ow >= width ? ~0UL : ~(~0UL << ow);
                    // The last step overlaps the one before instead of a scalar tail (outputs are independent);
                    // a row narrower than a step is one masked store.
                    for (int at = 0; ; at += width)
                    {
                        int a = ow >= width ? Math.Min(at, ow - width) : 0;
                        float* s = top + a;
                        if (TWide.Value)
                        {
                            var acc = Vector512.Create(padValue);
                            for (int t = 0; t < tapCount; t++) acc = Add<TMax>(acc, Vector512.Load(s + tap[t]));
                            if (!TMax.Value) acc /= Vector512.Create(rowDivisor) * Vector512.Load(divisors + a);
                            if (ow >= width) acc.Store(yRow + a);
                            else Avx512F.MaskStore(yRow, Vector512.LessThan(outputs, Vector512.Create(ow)).AsSingle(), acc);
                            if (TMax.Value) redo |= (Vector512.Equals(acc, Vector512.Create(float.NegativeInfinity)).ExtractMostSignificantBits() & stored) != 0;
                        }
                        else
                        {
                            var acc = Vector256.Create(padValue);
                            for (int t = 0; t < tapCount; t++) acc = Add<TMax>(acc, Vector256.Load(s + tap[t]));
                            if (!TMax.Value) acc /= Vector256.Create(rowDivisor) * Vector256.Load(divisors + a);
                            if (ow >= width) acc.Store(yRow + a);
                            else Avx.MaskStore(yRow, Vector256.LessThan(outputs8, Vector256.Create(ow)).AsSingle(), acc);
                            if (TMax.Value) redo |= (Vector256.Equals(acc, Vector256.Create(float.NegativeInfinity)).ExtractMostSignificantBits() & stored) != 0;
                        }
                        if (a + width >= ow) break;
                    }
                    // −inf means every tap was −inf, NaN or padding (the lanes past a narrow row's end
                    // too): the exact rule decides those outputs (NaN when no tap is a number).
                    if (redo) RedoNegativeInfinity(p, x, WindowOf(p, includePad, pl, oy, out _), yRow, 0, ow);
                }
            }
        }
    }

    /// <summary>
    /// Off (KV_DIRECT_MAX=0 at start-up): 2- and 3-wide stride-2 max pools copy each plane first like
    /// the others (benchmarks' A/B switch, in one process or across processes).
    /// </summary>
    internal static bool DirectMax = Environment.GetEnvironmentVariable("KV_DIRECT_MAX") != "0";

    /// <summary>True when <see cref="DirectMaxS2"/> computes this (stride-2) max pool: 2 or 3 columns wide, undilated along W.</summary>
    private static bool DirectMaxApplies(PoolPlan p) => DirectMax && p.Geometry.Kernel[1] is 2 or 3 && p.Geometry.Dilations[1] == 1;

    /// <summary>
    /// Max pools 3 or 2 columns wide with stride 2 along W (SqueezeNet's, Inception's and ResNet's 3×3
    /// s2; VGG's and U-Net's 2×2 s2), straight from the input: no padded copy of the plane. Sixteen
    /// outputs at a time read the 33 (or 32) input columns they cover as two vectors and one element
    /// of each window row (masked where the row starts before column 0 or ends early: those lanes
    /// read −inf, as padding does), and split them into the window's columns with lane permutes. The other path's copy
    /// read and wrote every input element once more, and took each 3×3 window's 9 taps where this takes
    /// 6 (a row's maxima serve the two windows that share it): 1.4–1.9× faster alone.
    /// Taps are taken row by row, left to right, through Max(v, acc) as in <see cref="Planes2D"/>:
    /// the first largest tap wins bit for bit and NaN never does; a −inf result is redone exactly.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static unsafe void DirectMaxS2(PoolPlan p, ReadOnlySpan<float> x, Span<float> y, int pl0, int pl1)
    {
        var g = p.Geometry;
        int ih = g.InputSpatial[0], iw = g.InputSpatial[1], oh = g.OutputSpatial[0], ow = g.OutputSpatial[1];
        int kh = g.Kernel[0], sh = g.Strides[0], dh = g.Dilations[0];
        int pt = g.PadsBegin[0], left = g.PadsBegin[1];
        int inPlane = ih * iw, outPlane = oh * ow;
        // 3 rows, stride 2 (every real 3×3 s2 pool): a window's last row is the next one's first, so
        // going down a column of 16 outputs each input row's maxima are taken once.
        bool shared = kh == 3 && sh == 2 && dh == 1, three = g.Kernel[1] == 3;
        var negInf = Vector512.Create(float.NegativeInfinity);
        fixed (float* xp = x)
        fixed (float* yp = y)
        {
            for (int pl = pl0; pl < pl1; pl++)
            {
                float* plane = xp + (long)pl * inPlane, yPlane = yp + (long)pl * outPlane;
                bool redo = false;
                for (int x0 = 0; x0 < ow; x0 += 16)
                {
                    var row = new RowSpan(2 * x0 - left, iw);
                    int n = ow - x0;
                    var mask = n >= 16 ? default : FirstLanes16(n);
                    var top = shared ? RowMax(plane, -pt, ih, iw, row, three) : default;
                    for (int oy = 0; oy < oh; oy++)
                    {
                        // Rows top to bottom, each row's maximum first: Max(v, acc) keeps the earlier
                        // of equal values, so the first largest tap in row-major order wins.
                        Vector512<float> acc;
                        if (shared)
                        {
                            int r = 2 * oy - pt;
                            var bottom = RowMax(plane, r + 2, ih, iw, row, three);
                            acc = Avx512F.Max(bottom, Avx512F.Max(RowMax(plane, r + 1, ih, iw, row, three), top));
                            top = bottom;
                        }
                        else
                        {
                            acc = negInf;
                            for (int dy = 0, r = oy * sh - pt; dy < kh; dy++, r += dh) acc = Avx512F.Max(RowMax(plane, r, ih, iw, row, three), acc);
                        }
                        float* yAt = yPlane + (long)oy * ow + x0;
                        if (n >= 16)
                        {
                            acc.Store(yAt);
                            redo |= Vector512.EqualsAny(acc, negInf);
                        }
                        else
                        {
                            Avx512F.MaskStore(yAt, mask, acc);
                            redo |= (Vector512.Equals(acc, negInf).ExtractMostSignificantBits() & ~(~0UL << n)) != 0;
                        }
                    }
                }
                // −inf means every tap was −inf, NaN or padding: the exact rule decides those outputs.
                if (redo)
                    for (int oy = 0; oy < oh; oy++)
                        RedoNegativeInfinity(p, x, WindowOf(p, false, pl, oy, out _), yPlane + (long)oy * ow, 0, ow);
            }
        }
    }

    /// <summary>The input columns of 16 outputs' 3-wide stride-2 windows: 33 from <see cref="First"/>, masked to the row (2-wide ones read the first 32).</summary>
    private readonly struct RowSpan
    {
        public readonly int First;
        public readonly bool Whole, LastIn;
        public readonly Vector512<float> Mask0, Mask1;

        public RowSpan(int first, int iw)
        {
            First = first;
            Whole = first >= 0 && first + 32 <= iw;
            LastIn = (uint)(first + 32) < (uint)iw;
            if (Whole) return;
            // Lane l reads column first + l: on the row when 0 ≤ it < iw, one unsigned compare.
            var cols = Vector512.Create(0u, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15) + Vector512.Create((uint)first);
            Mask0 = Vector512.LessThan(cols, Vector512.Create((uint)iw)).AsSingle();
            Mask1 = Vector512.LessThan(cols + Vector512.Create(16u), Vector512.Create((uint)iw)).AsSingle();
        }
    }

    /// <summary>
    /// Row <paramref name="r"/>'s maximum of each of 16 windows' three (or two) taps, left to right
    /// from −inf (so NaN never gets in); −inf for a row outside the input (padding).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static unsafe Vector512<float> RowMax(float* plane, int r, int ih, int iw, in RowSpan span, bool three)
    {
        var negInf = Vector512.Create(float.NegativeInfinity);
        if ((uint)r >= (uint)ih) return negInf;
        float* src = plane + (long)r * iw + span.First;
        Vector512<float> v0, v1;
        if (span.Whole)
        {
            v0 = Vector512.Load(src);
            v1 = Vector512.Load(src + 16);
        }
        else
        {
            v0 = Avx512F.MaskLoad(src, span.Mask0, negInf);
            v1 = Avx512F.MaskLoad(src + 16, span.Mask1, negInf);
        }
        var left = Avx512F.PermuteVar16x32x2(v0, EvenLanes16, v1);
        var acc = Avx512F.Max(left, negInf);
        acc = Avx512F.Max(Avx512F.PermuteVar16x32x2(v0, OddLanes16, v1), acc);
        if (!three) return acc;
        var next = Vector512.CreateScalarUnsafe(span.LastIn ? src[32] : float.NegativeInfinity);
        return Avx512F.Max(Avx512F.PermuteVar16x32x2(left, Vector512.Create(1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16), next), acc);
    }

    /// <summary>
    /// <see cref="Planes2D"/> for stride 1 on both axes, on the padded plane as one flat array (rows
    /// <c>pitch</c> = OW + (KW − 1)·DW apart): every window's row sums (or maxima) along W in one pass
    /// over the whole plane, then the sums of KH of them down, again flat, into a grid of OH rows of
    /// <c>pitch</c>, whose first OW columns are then copied into Y. No vector step is spent on a row's
    /// ragged end (a 17-wide row took two 16-wide steps), and each tap row is loaded KH + KW times
    /// per output vector, not KH·KW. The columns past OW hold sums that straddle two rows: never stored.
    /// Max reduces each row first, then the rows top to bottom, so it keeps the first largest tap.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static unsafe void FlatPlanes2D<TMax, TWide>(PoolPlan p, bool includePad, ReadOnlySpan<float> x, Span<float> y, int pl0, int pl1)
        where TMax : struct, IFlag where TWide : struct, IFlag
    {
        var g = p.Geometry;
        int ih = g.InputSpatial[0], iw = g.InputSpatial[1], oh = g.OutputSpatial[0], ow = g.OutputSpatial[1];
        int kh = g.Kernel[0], kw = g.Kernel[1], dh = g.Dilations[0], dw = g.Dilations[1];
        int pt = g.PadsBegin[0], left = g.PadsBegin[1];
        int width = TWide.Value ? 16 : 8;
        int pitch = ow + (kw - 1) * dw, rows = oh + (kh - 1) * dh;
        int grid = (oh * pitch + width - 1) / width * width;      // the down pass's outputs, whole steps
        int across = grid + (kh - 1) * dh * pitch;                 // the row pass's outputs the down pass reads
        int padded = across + (kw - 1) * dw;                       // the padded plane's floats the row pass reads
        float* buf = ThreadScratch.Get(ScratchSlot.Temp0, (long)padded + across + 2L * grid);
        float* rowSums = buf + padded, sums = rowSums + across, divisors = sums + grid;
        float padValue = TMax.Value ? float.NegativeInfinity : 0f;
        new Span<float>(buf, padded).Fill(padValue);
        // Average: each grid cell's divisor. Max: a bit that turns the cells past OW into NaN for the −inf test.
        for (int oy = 0, n = 0; oy < oh; oy++)
        {
            float rowDivisor = includePad ? p.Padded[0][oy] : p.End[0][oy] - p.First[0][oy];
            for (int ox = 0; ox < pitch; ox++, n++)
            {
                if (TMax.Value) ((int*)divisors)[n] = ox < ow ? 0 : 1;
                else divisors[n] = ox < ow ? rowDivisor * (includePad ? p.ColumnPaddedTaps[ox] : p.ColumnTaps[ox]) : 1f;
            }
        }
        for (int n = oh * pitch; n < grid; n++)
        {
            if (TMax.Value) ((int*)divisors)[n] = 1;
            else divisors[n] = 1f;
        }
        int len = Math.Min(iw, pitch - left);
        int firstRow = Math.Min(rows, pt), lastRow = Math.Min(rows, ih + pt);
        int inPlane = ih * iw, outPlane = oh * ow, downStep = dh * pitch;
        var negInf = Vector512.Create(float.NegativeInfinity).AsInt32();
        var negInf8 = Vector256.Create(float.NegativeInfinity).AsInt32();

        fixed (float* xp = x)
        fixed (float* yp = y)
        {
            for (int pl = pl0; pl < pl1; pl++)
            {
                float* plane = xp + (long)pl * inPlane;
                for (int r = firstRow; r < lastRow; r++)
                    CopyRow(plane + (long)(r - pt) * iw, len, buf + (long)r * pitch + left);
                bool redo = false;
                if (TWide.Value)
                {
                    for (int n = 0; n < across; n += 16)
                    {
                        // Max starts from −inf, so a NaN tap never gets in (the row sums hold no NaN); a sum
                        // from +0, as the Reference's, so a window of −0 taps gives +0.
                        var acc = Add<TMax>(Vector512.Create(padValue), Vector512.Load(buf + n));
                        for (int k = 1; k < kw; k++) acc = Add<TMax>(acc, Vector512.Load(buf + n + k * dw));
                        acc.Store(rowSums + n);
                    }
                    for (int n = 0; n < grid; n += 16)
                    {
                        var acc = Vector512.Load(rowSums + n);
                        for (int k = 1; k < kh; k++) acc = Add<TMax>(acc, Vector512.Load(rowSums + n + k * downStep));
                        if (!TMax.Value) acc /= Vector512.Load(divisors + n);
                        else redo |= Vector512.EqualsAny(acc.AsInt32() | Vector512.Load((int*)divisors + n), negInf);
                        acc.Store(sums + n);
                    }
                }
                else
                {
                    for (int n = 0; n < across; n += 8)
                    {
                        var acc = Add<TMax>(Vector256.Create(padValue), Vector256.Load(buf + n));
                        for (int k = 1; k < kw; k++) acc = Add<TMax>(acc, Vector256.Load(buf + n + k * dw));
                        acc.Store(rowSums + n);
                    }
                    for (int n = 0; n < grid; n += 8)
                    {
                        var acc = Vector256.Load(rowSums + n);
                        for (int k = 1; k < kh; k++) acc = Add<TMax>(acc, Vector256.Load(rowSums + n + k * downStep));
                        if (!TMax.Value) acc /= Vector256.Load(divisors + n);
                        else redo |= Vector256.EqualsAny(acc.AsInt32() | Vector256.Load((int*)divisors + n), negInf8);
                        acc.Store(sums + n);
                    }
                }
                float* yPlane = yp + (long)pl * outPlane;
                for (int oy = 0; oy < oh; oy++) CopyRow(sums + (long)oy * pitch, ow, yPlane + (long)oy * ow);
                // −inf means every tap was −inf, NaN or padding: the exact rule decides those outputs.
                if (redo)
                    for (int oy = 0; oy < oh; oy++)
                        RedoNegativeInfinity(p, x, WindowOf(p, includePad, pl, oy, out _), yPlane + (long)oy * ow, 0, ow);
            }
        }
    }

    /// <summary>
    /// <paramref name="len"/> floats from <paramref name="src"/> to <paramref name="dst"/> in vector
    /// steps and one masked tail: rows of 17 or 35 floats, where a memmove call costs more than the copy.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static unsafe void CopyRow(float* src, int len, float* dst)
    {
        int j = 0;
        if (Avx512F.IsSupported)
        {
            for (; j + 16 <= len; j += 16) Vector512.Store(Vector512.Load(src + j), dst + j);
            if (j < len)
            {
                var mask = FirstLanes16(len - j);
                Avx512F.MaskStore(dst + j, mask, Avx512F.MaskLoad(src + j, mask, Vector512<float>.Zero));
            }
            return;
        }
        for (; j + 8 <= len; j += 8) Vector256.Store(Vector256.Load(src + j), dst + j);
        if (j < len)
        {
            var mask = Vector256.LessThan(Vector256.Create(0, 1, 2, 3, 4, 5, 6, 7), Vector256.Create(len - j)).AsSingle();
            Avx.MaskStore(dst + j, mask, Avx.MaskLoad(src + j, mask));
        }
    }

    /// <summary>A mask of the first <paramref name="n"/> (≤ 16) lanes.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<float> FirstLanes16(int n) =>
        Vector512.LessThan(Vector512.Create(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15), Vector512.Create(n)).AsSingle();

    /// <summary>
    /// Input row <paramref name="src"/>'s first <paramref name="len"/> columns into a split padded row:
    /// input column j is padded column c = j + <paramref name="left"/>, stored at (c mod 2)·lw + c/2.
    /// Nothing else of the row is written (it keeps the padding).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static unsafe void SplitColumns(float* src, int len, int left, int lw, float* dst)
    {
        int e = left & 1, half = left >> 1;
        float* even = dst + e * lw + half, odd = dst + (1 - e) * lw + half + e;
        int j = 0;
        if (Avx512F.IsSupported)
        {
            for (; j + 32 <= len; j += 32)
            {
                var lo = Vector512.Load(src + j);
                var hi = Vector512.Load(src + j + 16);
                Vector512.Store(Avx512F.PermuteVar16x32x2(lo, EvenLanes16, hi), even + (j >> 1));
                Vector512.Store(Avx512F.PermuteVar16x32x2(lo, OddLanes16, hi), odd + (j >> 1));
            }
            int rest = len - j;
            if (rest > 0)
            {
                var lo = Avx512F.MaskLoad(src + j, FirstLanes16(Math.Min(rest, 16)), Vector512<float>.Zero);
                var hi = rest > 16 ? Avx512F.MaskLoad(src + j + 16, FirstLanes16(rest - 16), Vector512<float>.Zero) : Vector512<float>.Zero;
                Avx512F.MaskStore(even + (j >> 1), FirstLanes16((rest + 1) >> 1), Avx512F.PermuteVar16x32x2(lo, EvenLanes16, hi));
                Avx512F.MaskStore(odd + (j >> 1), FirstLanes16(rest >> 1), Avx512F.PermuteVar16x32x2(lo, OddLanes16, hi));
            }
            return;
        }
        for (; j + 16 <= len; j += 16)
        {
            var a = Avx.LoadVector256(src + j);
            var b = Avx.LoadVector256(src + j + 8);
            // [a0 a2 b0 b2 | a4 a6 b4 b6] → [a0 a2 a4 a6 b0 b2 b4 b6], and the odd ones alike.
            Avx.Store(even + (j >> 1), Avx2.Permute4x64(Avx.Shuffle(a, b, 0b10_00_10_00).AsDouble(), 0b11_01_10_00).AsSingle());
            Avx.Store(odd + (j >> 1), Avx2.Permute4x64(Avx.Shuffle(a, b, 0b11_01_11_01).AsDouble(), 0b11_01_10_00).AsSingle());
        }
        for (; j < len; j++)
        {
            if ((j & 1) == 0) even[j >> 1] = src[j];
            else odd[j >> 1] = src[j];
        }
    }
}
