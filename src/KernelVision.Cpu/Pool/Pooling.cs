using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

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
/// Float32 MaxPool / AveragePool loops over a <see cref="PoolPlan"/>. On x86 with AVX2, 2-D pools with
/// a stride of 1 or 2 along W take <see cref="Planes2D"/>: one padded plane at a time, every column
/// through full vector steps (16 outputs on AVX-512, else 8); on AVX-512, max pools 2 or 3 columns
/// wide with stride 2 read the input in place instead (<see cref="DirectMaxS2"/>). Other strides and machines use
/// <see cref="TableRows2D"/>: per-row tables, vectors for the interior columns, the per-column tap
/// tables for the border ones. <see cref="Generic"/> handles any rank and the Indices output. All
/// follow MaxPoolReference / AveragePoolReference exactly in which taps count.
/// </summary>
internal static partial class Pooling
{
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

    /// <summary>Compile-time switches for the generic pooling loops.</summary>
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
    /// Output rows [<paramref name="r0"/>, <paramref name="r1"/>) of a 2-D pool (rows numbered
    /// plane·OH + oh; <paramref name="x"/> and <paramref name="y"/> the whole tensors) with per-row tables: the columns whose window lies fully inside the input
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
