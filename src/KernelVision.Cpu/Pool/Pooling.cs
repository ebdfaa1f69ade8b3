using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using KernelVision.Cpu.Memory;

namespace KernelVision.Cpu.Pool;

/// <summary>Which reduction a pooling window computes.</summary>
internal enum PoolKind
{
    /// <summary>Largest input tap (NaN never wins; no input tap at all gives NaN).</summary>
    Max,
    /// <summary>Sum of the input taps over the tap count (padded count with count_include_pad).</summary>
    Average,
}

/// <summary>
/// Float32 MaxPool / AveragePool loops over a <see cref="PoolPlan"/>. <see cref="Rows2D"/> is the 2-D
/// path: on x86 with AVX2 and stride 1 or 2 along W it reduces each input row along W once, then
/// the rows of each output row's window along H, 16 (AVX-512) or 8 outputs at a time for every
/// column, borders and ceil_mode overhang included (masked loads read the padding); on AVX-512,
/// stride-2 rows of 9 to 31 outputs skip the ring (<see cref="GatheredRows2D{TMax}"/>). Other strides
/// and machines use per-row tables: vectors for the interior columns, the per-column tap tables
/// for the border ones. <see cref="Generic"/> handles any rank and the Indices output. All follow
/// MaxPoolReference / AveragePoolReference exactly in which taps count.
/// </summary>
internal static class Pooling
{
    /// <summary>False sends every 2-D pool through the table path (benchmarks flip it to compare the two).</summary>
    internal static bool PaddedRows = true;

    /// <summary>False sends stride-2 rows through the ring's per-tap steps instead of <see cref="GatheredRows2D{TMax}"/> (benchmarks flip it to compare).</summary>
    internal static bool GatheredRows = true;

    /// <summary>
    /// Output rows [r0, r1) of a 2-D pool, rows numbered plane·OH + oh. <paramref name="x"/> and
    /// <paramref name="y"/> are the whole tensors.
    /// </summary>
    public static void Rows2D(PoolPlan p, PoolKind kind, bool includePad, ReadOnlySpan<float> x, Span<float> y, int r0, int r1)
    {
        var g = p.Geometry;
        // The padded path's NaN rule rests on x86 max semantics (a NaN operand returns the second one).
        if (PaddedRows && Avx2.IsSupported && g.Strides[1] is 1 or 2)
            PaddedRows2D(p, kind, includePad, x, y, r0, r1);
        else
            TableRows2D(p, kind, includePad, x, y, r0, r1);
    }

    /// <summary>
    /// <see cref="Rows2D"/> in two passes. Each input row is reduced along W once, every output
    /// column at once, into a ring of reduced rows; each output row then reduces the ring rows of its
    /// window along H. Steps whose loads lie inside the input row read it directly; the border ones
    /// use masked loads that read the padding as −inf (max) or 0 (average) without touching memory,
    /// so every column, ceil_mode overhang included, is vectorised. Rows outside the input are
    /// skipped through the plan's First/End. Max keeps the Reference's rule exactly: within a row
    /// the leftmost of equal values stays, across rows the topmost, which is the first largest tap in
    /// row-major order; a padding tap of −inf never wins. Average sums the same taps (a padding tap
    /// adds +0) in another order than the table path.
    /// </summary>
    private static void PaddedRows2D(PoolPlan p, PoolKind kind, bool includePad, ReadOnlySpan<float> x, Span<float> y, int r0, int r1)
    {
        // One compiled loop per kind and stride: the per-tap code then has no branches.
        bool stride2 = p.Geometry.Strides[1] == 2;
        if (kind == PoolKind.Max)
        {
            if (stride2) PaddedRows2D<Yes, Yes>(p, includePad, x, y, r0, r1);
            else PaddedRows2D<Yes, No>(p, includePad, x, y, r0, r1);
        }
        else if (stride2) PaddedRows2D<No, Yes>(p, includePad, x, y, r0, r1);
        else PaddedRows2D<No, No>(p, includePad, x, y, r0, r1);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static unsafe void PaddedRows2D<TMax, TStride2>(PoolPlan p, bool includePad, ReadOnlySpan<float> x, Span<float> y, int r0, int r1)
        where TMax : struct, IFlag where TStride2 : struct, IFlag
    {
        var g = p.Geometry;
        var kind = TMax.Value ? PoolKind.Max : PoolKind.Average;
        int ih = g.InputSpatial[0], iw = g.InputSpatial[1], oh = g.OutputSpatial[0], ow = g.OutputSpatial[1];
        int kh = g.Kernel[0], kw = g.Kernel[1], dh = g.Dilations[0], dw = g.Dilations[1];
        int inPlane = ih * iw, outPlane = oh * ow;
        bool avx512 = Avx512F.IsSupported && Vector512.IsHardwareAccelerated;
        if (TStride2.Value && avx512 && GatheredRows && GatherStep(ow, kw, dw) is > 0 and int step)
        {
            GatheredRows2D<TMax>(p, includePad, x, y, r0, r1, step);
            return;
        }
        int width = avx512 && ow >= 16 ? 16 : 8;
        int reduced = Math.Max(width, (ow + width - 1) / width * width); // a reduced row holds whole steps
        int left = g.PadsBegin[1];
        // The ring holds the reduced input rows one window spans, rounded up to a power of two so a
        // row's slot is a mask, not a division.
        int ringRows = (int)BitOperations.RoundUpToPowerOf2((uint)((kh - 1) * dh + 1)), mask = ringRows - 1;
        float* ring = ThreadScratch.Get(ScratchSlot.Temp0, (long)ringRows * reduced);
        Span<int> windowRows = stackalloc int[kh];
        float* narrow = stackalloc float[16];
        float[] columnTaps = includePad ? p.ColumnPaddedTaps : p.ColumnTaps;
        int pl = r0 / oh, oy = r0 - pl * oh;
        int next = 0; // the first input row of plane pl not yet in the ring

        fixed (float* xp = x)
        fixed (float* yp = y)
        fixed (float* divisors = columnTaps)
        {
            for (int r = r0; r < r1; r++, oy++)
            {
                if (oy == oh)
                {
                    oy = 0;
                    pl++;
                    next = 0;
                }
                var window = WindowOf(p, includePad, pl, oy, out int rowDivisor);
                int rows = window.Rows, top = window.Top;
                float* yRow = yp + (long)pl * outPlane + (long)oy * ow;
                if (rows == 0)
                {
                    EmptyWindows(p, kind, includePad, x, rowDivisor, yRow, ow);
                    continue;
                }
                int bottom = top + (rows - 1) * dh;
                for (int i = Math.Max(next, top); i <= bottom; i++)
                    AcrossRow<TMax, TStride2>(xp + pl * inPlane + i * iw, iw, left, kw, dw, width, ow, ring + (i & mask) * reduced);
                next = Math.Max(next, bottom + 1);
                for (int k = 0; k < rows; k++) windowRows[k] = ((top + k * dh) & mask) * reduced;
                var down = windowRows[..rows];

                if (ow < width)
                {
                    // Narrower than one step: compute a whole step into a buffer, keep the first ow.
                    bool redo = Down<TMax>(ring, down, width, rowDivisor, divisors, narrow, ow);
                    new Span<float>(narrow, ow).CopyTo(new Span<float>(yRow, ow));
                    if (redo) RedoNegativeInfinity(p, x, window, yRow, 0, ow);
                    continue;
                }
                // The last step overlaps the one before instead of a scalar tail (outputs are independent).
                for (int at = 0; ; at += width)
                {
                    int a = Math.Min(at, ow - width);
                    if (Down<TMax>(ring + a, down, width, rowDivisor, divisors + a, yRow + a, width))
                        RedoNegativeInfinity(p, x, window, yRow, a, a + width);
                    if (a == ow - width) break;
                }
            }
        }
    }

    /// <summary>
    /// Outputs per step of <see cref="GatheredRows2D{TMax}"/> on a stride-2 row of
    /// <paramref name="ow"/> outputs, or 0 where the ring's per-tap steps serve: a step covers the
    /// outputs whose whole window starts within 32 columns (15 for a 3-wide window). Taken on rows
    /// of 9 to 31 outputs: one 8-wide per-tap step does the narrower ones, and on wider rows the
    /// ring's reuse of each reduced input row weighs more (55 and 56 wide: no faster; Inception's
    /// 73: 0.85x).
    /// </summary>
    private static int GatherStep(int ow, int kw, int dw)
    {
        int step = Math.Min(16, (31 - (kw - 1) * dw) / 2 + 1);
        return step >= 8 && ow > 8 && ow < 32 ? step : 0;
    }

    /// <summary>
    /// <see cref="Rows2D"/> for short stride-2 rows on AVX-512, without the ring: each step of
    /// <paramref name="step"/> outputs loads, from each of its window's input rows in turn, the 32
    /// columns its lanes' windows start in (masked, the padding read as −inf or 0), takes tap k of
    /// all 16 lanes out of the pair with one permute, and adds every tap to one accumulator in
    /// row-major order. That is the order the Reference takes the taps in, so max keeps its first
    /// largest tap, bit for bit as the ring path. Each input row is loaded again by every output row
    /// whose window holds it (1.5 times for 3×3), which on these rows costs less than the ring's
    /// per-tap loads, stores and bookkeeping: SqueezeNet's 3×3 stride-2 pools to 27 and 13 outputs
    /// ran 1.25x and 1.9x as fast. Stride 1 would load each row 3 times: there the ring stays
    /// (Inception's 3×3 stride-1 average pools measured 0.7-0.8x this way).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static unsafe void GatheredRows2D<TMax>(PoolPlan p, bool includePad, ReadOnlySpan<float> x, Span<float> y, int r0, int r1, int step)
        where TMax : struct, IFlag
    {
        var g = p.Geometry;
        int ih = g.InputSpatial[0], iw = g.InputSpatial[1], oh = g.OutputSpatial[0], ow = g.OutputSpatial[1];
        int kw = g.Kernel[1], dh = g.Dilations[0], dw = g.Dilations[1], left = g.PadsBegin[1], sw = 2;
        int inPlane = ih * iw, outPlane = oh * ow;
        var lanes = Vector512.Create(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15);
        // The permute controls, one per tap: lane j takes window start j·stride + k·dilation.
        Span<Vector512<int>> tapLanes = stackalloc Vector512<int>[kw];
        for (int k = 0; k < kw; k++) tapLanes[k] = Vector512.Min(lanes * sw + Vector512.Create(k * dw), Vector512.Create(31));
        var pad = TMax.Value ? Vector512.Create(float.NegativeInfinity) : Vector512<float>.Zero;
        var limit = Vector512.Create((uint)iw);
        float[] columnTaps = includePad ? p.ColumnPaddedTaps : p.ColumnTaps;
        int pl = r0 / oh, oy = r0 - pl * oh;
        fixed (float* xp = x)
        fixed (float* yp = y)
        fixed (float* divisors = columnTaps)
        {
            for (int r = r0; r < r1; r++, oy++)
            {
                if (oy == oh)
                {
                    oy = 0;
                    pl++;
                }
                var window = WindowOf(p, includePad, pl, oy, out int rowDivisor);
                int rows = window.Rows;
                float* yRow = yp + (long)pl * outPlane + (long)oy * ow;
                if (rows == 0)
                {
                    EmptyWindows(p, TMax.Value ? PoolKind.Max : PoolKind.Average, includePad, x, rowDivisor, yRow, ow);
                    continue;
                }
                float* topRow = xp + window.Offset;
                for (int at = 0; at < ow; at += step)
                {
                    int column = at * sw - left;
                    var inLo = Vector512.LessThan((lanes + Vector512.Create(column)).AsUInt32(), limit).AsSingle();
                    var inHi = Vector512.LessThan((lanes + Vector512.Create(column + 16)).AsUInt32(), limit).AsSingle();
                    var acc = pad;
                    float* row = topRow + column;
                    for (int k = 0; k < rows; k++, row += window.Step)
                    {
                        var lo = Avx512F.MaskLoad(row, inLo, pad);
                        var hi = Avx512F.MaskLoad(row + 16, inHi, pad);
                        foreach (var control in tapLanes) acc = Add<TMax>(acc, Avx512F.PermuteVar16x32x2(lo, control, hi));
                    }
                    int outputs = Math.Min(step, ow - at);
                    var store = Vector512.LessThan(lanes, Vector512.Create(outputs)).AsSingle();
                    if (!TMax.Value) acc /= Vector512.Create((float)rowDivisor) * Avx512F.MaskLoad(divisors + at, store, Vector512<float>.One);
                    Avx512F.MaskStore(yRow + at, store, acc);
                    if (TMax.Value && (Vector512.Equals(acc, pad).ExtractMostSignificantBits() & ~(~0UL << outputs)) != 0)
                        RedoNegativeInfinity(p, x, window, yRow, at, at + outputs);
                }
            }
        }
    }

    /// <summary>
    /// An output row's window rows in x: the first one's offset, the step between them, how many,
    /// and the first one's row in its plane.
    /// </summary>
    private readonly record struct RowWindow(int Offset, int Step, int Rows, int Top);

    /// <summary>Output row <paramref name="oy"/> of plane <paramref name="pl"/>: its window rows, and the rows an average divides by.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static RowWindow WindowOf(PoolPlan p, bool includePad, int pl, int oy, out int rowDivisor)
    {
        var g = p.Geometry;
        int iw = g.InputSpatial[1], dh = g.Dilations[0];
        int first = p.First[0][oy], rows = p.End[0][oy] - first;
        int top = p.Origin[0][oy] + first * dh;
        rowDivisor = includePad ? p.Padded[0][oy] : rows;
        return new RowWindow(pl * g.InputSize + top * iw, dh * iw, rows, top);
    }

    /// <summary>An output row whose window holds no input row (all padding): each output by the Reference's rule for an empty window.</summary>
    private static unsafe void EmptyWindows(PoolPlan p, PoolKind kind, bool includePad, ReadOnlySpan<float> x, int rowDivisor, float* yRow, int ow)
    {
        for (int j = 0; j < ow; j++) yRow[j] = Window(p, kind, includePad, x, [], rowDivisor, j);
    }

    /// <summary>
    /// A max of −inf means every tap was −inf or NaN (the vector max skips NaN): recomputes those
    /// outputs among [from, to) with the exact rule (NaN when every tap is NaN).
    /// </summary>
    private static unsafe void RedoNegativeInfinity(PoolPlan p, ReadOnlySpan<float> x, RowWindow window, float* yRow, int from, int to)
    {
        Span<int> xRows = stackalloc int[window.Rows];
        for (int k = 0; k < xRows.Length; k++) xRows[k] = window.Offset + k * window.Step;
        for (int j = from; j < to; j++)
            if (float.IsNegativeInfinity(yRow[j])) yRow[j] = Window(p, PoolKind.Max, false, x, xRows, 0, j);
    }

    /// <summary>Compile-time switches for <see cref="PaddedRows2D{TMax, TStride2}"/>.</summary>
    private interface IFlag
    {
        static abstract bool Value { get; }
    }

    private readonly struct Yes : IFlag
    {
        public static bool Value => true;
    }

    private readonly struct No : IFlag
    {
        public static bool Value => false;
    }

    /// <summary>
    /// One input row reduced along W into outputs [0, max(<paramref name="ow"/>, <paramref name="width"/>))
    /// at <paramref name="dst"/>, <paramref name="width"/> (16 or 8) at a time, the last step
    /// overlapping the one before; output j's window starts at column j·stride − left. Max starts from
    /// −inf, so a NaN tap never gets in and the reduced row holds no NaN.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static unsafe void AcrossRow<TMax, TStride2>(float* row, int iw, int left, int kw, int dw, int width, int ow, float* dst)
        where TMax : struct, IFlag where TStride2 : struct, IFlag
    {
        int sw = TStride2.Value ? 2 : 1, reach = (kw - 1) * dw + sw * width, last = Math.Max(0, ow - width);
        for (int at = 0; ; at += width)
        {
            int a = Math.Min(at, last), column = a * sw - left;
            if (width == 16)
            {
                var acc = TMax.Value ? Vector512.Create(float.NegativeInfinity) : Vector512<float>.Zero;
                // A stride-2 step uses every other float of its 32; when the 32 from its first window
                // start overrun the row by one, the odd ones of the 32 from one column earlier do not.
                bool direct = column >= 0 && column + reach <= iw, early = TStride2.Value && column >= 1 && column + reach - 1 <= iw;
                if (direct || early)
                {
                    var control = direct ? EvenLanes16 : OddLanes16;
                    float* src = row + column - (direct ? 0 : 1);
                    for (int k = 0; k < kw; k++) acc = Add<TMax>(acc, Load16<TStride2>(src + k * dw, control));
                }
                else
                    for (int k = 0; k < kw; k++) acc = Add<TMax>(acc, Load16Masked<TMax, TStride2>(row, column + k * dw, iw));
                acc.Store(dst + a);
            }
            else
            {
                var acc = TMax.Value ? Vector256.Create(float.NegativeInfinity) : Vector256<float>.Zero;
                if (column >= 0 && column + reach <= iw)
                    for (int k = 0; k < kw; k++) acc = Add<TMax>(acc, Load8<TStride2>(row + column + k * dw));
                else
                    for (int k = 0; k < kw; k++) acc = Add<TMax>(acc, Load8Masked<TMax, TStride2>(row, column + k * dw, iw));
                (TStride2.Value ? Unscramble(acc) : acc).Store(dst + a);
            }
            if (a == last) break;
        }
    }

    /// <summary>16 floats from <paramref name="src"/> on; with stride 2 the 16 of 32 that <paramref name="control"/> picks.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static unsafe Vector512<float> Load16<TStride2>(float* src, Vector512<int> control) where TStride2 : struct, IFlag =>
        TStride2.Value ? Avx512F.PermuteVar16x32x2(Vector512.Load(src), control, Vector512.Load(src + 16)) : Vector512.Load(src);

    /// <summary>
    /// <see cref="Load16{TStride2}"/> of <paramref name="row"/> from <paramref name="column"/> on, the
    /// columns outside [0, <paramref name="iw"/>) read as padding (masked lanes touch no memory).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static unsafe Vector512<float> Load16Masked<TMax, TStride2>(float* row, int column, int iw)
        where TMax : struct, IFlag where TStride2 : struct, IFlag
    {
        var pad = TMax.Value ? Vector512.Create(float.NegativeInfinity) : Vector512<float>.Zero;
        var lanes = Vector512.Create(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15);
        var limit = Vector512.Create((uint)iw);
        var lo = Avx512F.MaskLoad(row + column, Vector512.LessThan((lanes + Vector512.Create(column)).AsUInt32(), limit).AsSingle(), pad);
        if (!TStride2.Value) return lo;
        var hi = Avx512F.MaskLoad(row + column + 16, Vector512.LessThan((lanes + Vector512.Create(column + 16)).AsUInt32(), limit).AsSingle(), pad);
        return Avx512F.PermuteVar16x32x2(lo, EvenLanes16, hi);
    }

    /// <summary>PermuteVar16x32x2's control for the even elements of 32.</summary>
    private static Vector512<int> EvenLanes16
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        get => Vector512.Create(0, 2, 4, 6, 8, 10, 12, 14, 16, 18, 20, 22, 24, 26, 28, 30);
    }

    /// <summary>PermuteVar16x32x2's control for the odd elements of 32.</summary>
    private static Vector512<int> OddLanes16
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        get => Vector512.Create(1, 3, 5, 7, 9, 11, 13, 15, 17, 19, 21, 23, 25, 27, 29, 31);
    }

    /// <summary>8 floats from <paramref name="src"/> on; with stride 2 every other one of 16, in <see cref="EvenLanesScrambled(ref float)"/> order.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static unsafe Vector256<float> Load8<TStride2>(float* src) where TStride2 : struct, IFlag =>
        TStride2.Value ? EvenLanesScrambled(ref *src) : Vector256.Load(src);

    /// <summary>The 8-wide <see cref="Load16Masked{TMax, TStride2}"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static unsafe Vector256<float> Load8Masked<TMax, TStride2>(float* row, int column, int iw)
        where TMax : struct, IFlag where TStride2 : struct, IFlag
    {
        var lo = Masked8<TMax>(row, column, iw);
        return TStride2.Value ? EvenLanesScrambled(lo, Masked8<TMax>(row, column + 8, iw)) : lo;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static unsafe Vector256<float> Masked8<TMax>(float* row, int column, int iw) where TMax : struct, IFlag
    {
        var lanes = Vector256.Create(0, 1, 2, 3, 4, 5, 6, 7) + Vector256.Create(column);
        var inside = Vector256.LessThan(lanes.AsUInt32(), Vector256.Create((uint)iw)).AsSingle();
        var v = Avx.MaskLoad(row + column, inside); // masked lanes read 0 and touch no memory
        return TMax.Value ? Avx.BlendVariable(Vector256.Create(float.NegativeInfinity), v, inside) : v;
    }

    /// <summary>
    /// One more tap: Max(v, acc) returns acc when v is NaN or equal, so NaN never gets in and the
    /// earlier of equal values stays.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<float> Add<TMax>(Vector512<float> acc, Vector512<float> v) where TMax : struct, IFlag =>
        TMax.Value ? Avx512F.Max(v, acc) : acc + v;

    /// <summary>The 8-wide <see cref="Add{TMax}(Vector512{float}, Vector512{float})"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<float> Add<TMax>(Vector256<float> acc, Vector256<float> v) where TMax : struct, IFlag =>
        TMax.Value ? Avx.Max(v, acc) : acc + v;

    /// <summary>
    /// <paramref name="width"/> outputs into <paramref name="dst"/>: the reduced rows at
    /// <paramref name="src"/> plus each of <paramref name="rows"/> reduced top to bottom (max keeps the
    /// upper of equal values), averages divided by the row divisor times the column tap counts at
    /// <paramref name="divisors"/>. True when max gave −inf in one of the first <paramref name="used"/>
    /// lanes, which needs <see cref="RedoNegativeInfinity"/> (the lanes past a narrow row's end hold
    /// windows of padding only, −inf, and must not send every row there).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static unsafe bool Down<TMax>(float* src, ReadOnlySpan<int> rows, int width, int rowDivisor, float* divisors, float* dst, int used)
        where TMax : struct, IFlag
    {
        if (width == 16)
        {
            var acc = Vector512.Load(src + rows[0]);
            for (int k = 1; k < rows.Length; k++) acc = Add<TMax>(acc, Vector512.Load(src + rows[k]));
            if (!TMax.Value) acc /= Vector512.Create((float)rowDivisor) * Vector512.Load(divisors);
            acc.Store(dst);
            return TMax.Value && (Vector512.Equals(acc, Vector512.Create(float.NegativeInfinity)).ExtractMostSignificantBits() & ~(~0UL << used)) != 0;
        }
        var acc8 = Vector256.Load(src + rows[0]);
        for (int k = 1; k < rows.Length; k++) acc8 = Add<TMax>(acc8, Vector256.Load(src + rows[k]));
        if (!TMax.Value) acc8 /= Vector256.Create((float)rowDivisor) * Vector256.Load(divisors);
        acc8.Store(dst);
        return TMax.Value && (Vector256.Equals(acc8, Vector256.Create(float.NegativeInfinity)).ExtractMostSignificantBits() & ~(~0U << used)) != 0;
    }

    /// <summary>
    /// <see cref="Rows2D"/> with per-row tables: the columns whose window lies fully inside the input
    /// 8 at a time (stride 1: contiguous loads; stride 2: two loads de-interleaved), the border columns
    /// one by one with the per-column tap tables.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static void TableRows2D(PoolPlan p, PoolKind kind, bool includePad, ReadOnlySpan<float> x, Span<float> y, int r0, int r1)
    {
        var g = p.Geometry;
        int ih = g.InputSpatial[0], iw = g.InputSpatial[1], oh = g.OutputSpatial[0], ow = g.OutputSpatial[1];
        int kw = g.Kernel[1], dh = g.Dilations[0], dw = g.Dilations[1], sw = g.Strides[1];
        int inPlane = ih * iw, outPlane = oh * ow;
        var (lo, hi) = p.Interior[1];
        bool vectorStride1 = sw == 1 && Vector256.IsHardwareAccelerated;
        bool vectorStride2 = sw == 2 && Avx2.IsSupported;
        if (!vectorStride1 && !vectorStride2) hi = lo; // every column through the scalar path
        ref float xr = ref MemoryMarshal.GetReference(x);
        Span<int> rowOffsets = stackalloc int[g.Kernel[0]];

        for (int r = r0; r < r1; r++)
        {
            int plane = r / oh, oy = r % oh;
            int planeIn = plane * inPlane;
            int hFirst = p.First[0][oy], hEnd = p.End[0][oy];
            int rows = hEnd - hFirst;
            for (int k = 0; k < rows; k++) rowOffsets[k] = planeIn + (p.Origin[0][oy] + (hFirst + k) * dh) * iw;
            var offsets = rowOffsets[..rows];
            var yRow = y.Slice(plane * outPlane + oy * ow, ow);
            int rowDivisor = includePad ? p.Padded[0][oy] : rows;

            // Vector interior: [lo, hi) have full windows along W; 8 outputs per step, and a last step
            // that overlaps the previous one instead of a scalar tail (outputs are independent).
            int ox = lo;
            if (rows > 0 && hi - lo >= 8)
            {
                var divisor = Vector256.Create((float)rowDivisor * kw);
                // The last element a step reads: stride 1 → x + 7, stride 2 → 2·x + 15, past the window start.
                int reach = offsets[rows - 1] + (kw - 1) * dw + (vectorStride1 ? 8 : 16);
                while (ox < hi)
                {
                    int at = Math.Min(ox, hi - 8);
                    if (reach + p.Origin[1][at] > x.Length) break;
                    var acc = Vector8(ref xr, offsets, p.Origin[1][at], kw, dw, kind, vectorStride1);
                    if (kind == PoolKind.Average) acc /= divisor;
                    acc.StoreUnsafe(ref MemoryMarshal.GetReference(yRow), (nuint)at);
                    // -inf means every tap was -inf or NaN: redo those with the exact NaN rule.
                    if (kind == PoolKind.Max && Vector256.EqualsAny(acc, Vector256.Create(float.NegativeInfinity)))
                        for (int j = at; j < at + 8; j++) yRow[j] = Window(p, kind, includePad, x, offsets, rowDivisor, j);
                    ox = at + 8;
                }
            }
            for (int j = 0; j < lo && j < ow; j++) yRow[j] = Window(p, kind, includePad, x, offsets, rowDivisor, j);
            for (int j = Math.Max(ox, lo); j < ow; j++) yRow[j] = Window(p, kind, includePad, x, offsets, rowDivisor, j);
        }
    }

    /// <summary>Max or sum over the window taps of 8 neighbouring outputs whose windows start at column <paramref name="colBase"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<float> Vector8(ref float xr, ReadOnlySpan<int> rowOffsets, int colBase, int kw, int dw, PoolKind kind, bool stride1)
    {
        Vector256<float> acc = kind == PoolKind.Max ? Vector256.Create(float.NegativeInfinity) : Vector256<float>.Zero;
        foreach (int rowOff in rowOffsets)
        {
            ref float row = ref Unsafe.Add(ref xr, rowOff + colBase);
            for (int k = 0; k < kw; k++)
            {
                ref float src = ref Unsafe.Add(ref row, k * dw);
                Vector256<float> v = stride1 ? Vector256.LoadUnsafe(ref src) : EvenLanesScrambled(ref src);
                acc = kind == PoolKind.Max ? Vector256.MaxNative(v, acc) : acc + v;
            }
        }
        return stride1 ? acc : Unscramble(acc);
    }

    /// <summary>One output of a 2-D pool with the column taps from the tables (border columns).</summary>
    private static float Window(PoolPlan p, PoolKind kind, bool includePad, ReadOnlySpan<float> x, ReadOnlySpan<int> rowOffsets,
        int rowDivisor, int ox)
    {
        int dw = p.Geometry.Dilations[1];
        int origin = p.Origin[1][ox], first = p.First[1][ox], end = p.End[1][ox];
        if (kind == PoolKind.Max)
        {
            float best = float.NaN;
            bool found = false;
            foreach (int rowOff in rowOffsets)
                for (int k = first; k < end; k++)
                {
                    float v = x[rowOff + origin + k * dw];
                    if (float.IsNaN(v) || found && !(v > best)) continue;
                    best = v;
                    found = true;
                }
            return best;
        }
        float sum = 0;
        foreach (int rowOff in rowOffsets)
            for (int k = first; k < end; k++) sum += x[rowOff + origin + k * dw];
        int divisor = rowDivisor * (includePad ? p.Padded[1][ox] : end - first);
        return divisor == 0 ? float.NaN : sum / divisor;
    }

    /// <summary>
    /// Elements 0, 2, …, 14 of the 16 floats at <paramref name="src"/>, in the lane order
    /// 0 2 8 10 4 6 12 14 (one in-lane shuffle); <see cref="Unscramble"/> restores the order once per
    /// output vector, which is valid because max and add work lane by lane.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<float> EvenLanesScrambled(ref float src) =>
        EvenLanesScrambled(Vector256.LoadUnsafe(ref src), Vector256.LoadUnsafe(ref src, 8));

    /// <summary><see cref="EvenLanesScrambled(ref float)"/> of the 16 floats <paramref name="a"/>, <paramref name="b"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<float> EvenLanesScrambled(Vector256<float> a, Vector256<float> b) => Avx.Shuffle(a, b, 0b10_00_10_00);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<float> Unscramble(Vector256<float> v) => Avx2.Permute4x64(v.AsDouble(), 0b11_01_10_00).AsSingle();

    /// <summary>
    /// Outputs [start, end) of any-rank pooling, numbered plane·(output plane) + spatial index.
    /// <paramref name="indices"/> (MaxPool's second output) is written when not empty, with
    /// <paramref name="storageOrder"/> 0 row-major and 1 column-major spatial positions.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Generic(PoolPlan p, PoolKind kind, bool includePad, int storageOrder,
        ReadOnlySpan<float> x, Span<float> y, Span<long> indices, int start, int end)
    {
        var g = p.Geometry;
        int rank = g.Rank;
        int outPlane = g.OutputSize, inPlane = g.InputSize;
        Span<int> o = stackalloc int[rank];
        Span<int> k = stackalloc int[rank];
        Span<int> colStrides = stackalloc int[rank];
        for (int a = 0, s = 1; a < rank; a++)
        {
            colStrides[a] = s;
            s *= g.InputSpatial[a];
        }
        for (int i = start; i < end; i++)
        {
            int plane = i / outPlane, rest = i % outPlane;
            for (int a = rank - 1; a >= 0; a--)
            {
                o[a] = rest % g.OutputSpatial[a];
                rest /= g.OutputSpatial[a];
            }
            bool empty = false;
            int divisor = 1;
            for (int a = 0; a < rank; a++)
            {
                k[a] = p.First[a][o[a]];
                empty |= k[a] >= p.End[a][o[a]];
                divisor *= includePad ? p.Padded[a][o[a]] : p.End[a][o[a]] - p.First[a][o[a]];
            }
            float best = float.NaN, sum = 0;
            long where = -1;
            int planeIn = plane * inPlane;
            while (!empty)
            {
                int spatial = 0, column = 0;
                for (int a = 0; a < rank; a++)
                {
                    int pos = p.Origin[a][o[a]] + k[a] * g.Dilations[a];
                    spatial += pos * p.InputStrides[a];
                    column += pos * colStrides[a];
                }
                float v = x[planeIn + spatial];
                if (kind == PoolKind.Average) sum += v;
                else if (!float.IsNaN(v) && (where < 0 || v > best))
                {
                    best = v;
                    where = (long)planeIn + (storageOrder == 0 ? spatial : column);
                }
                int axis = rank - 1;
                for (; axis >= 0; axis--)
                {
                    if (++k[axis] < p.End[axis][o[axis]]) break;
                    k[axis] = p.First[axis][o[axis]];
                }
                if (axis < 0) break;
            }
            if (kind == PoolKind.Average) y[i] = divisor == 0 ? float.NaN : sum / divisor;
            else
            {
                y[i] = best;
                if (!indices.IsEmpty) indices[i] = where;
            }
        }
    }
}
