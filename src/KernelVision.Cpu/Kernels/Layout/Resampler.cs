using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using KernelVision.Cpu.Threading;
using KernelVision.Ops.Layout;
using KernelVision.Tensors;

namespace KernelVision.Cpu.Kernels.Layout;

/// <summary>
/// The Cpu resampler behind Resize and Upsample. Sampling positions and weights come from
/// <see cref="ResizePlan.Taps"/> (so every backend agrees on the coordinate maths) and are cached
/// while the plan stays the same. Nearest works on any element type: output rows along the last axis
/// gather from one input row, and a row that repeats the previous one (integer upscaling) is copied.
/// Linear and cubic (float32) run as separable 1-D passes, one per resized axis: along an outer axis
/// each output line is a weighted sum of whole input lines (vector multiply-adds); along the last
/// axis each output element gathers its taps. The last axis goes first when it grows, so the
/// scalar pass sees the smaller tensor.
/// </summary>
internal sealed class Resampler
{
    /// <summary>
    /// Output elements per chunk below which a resize stays on fewer threads. 16384 splits U-Net's
    /// 32×32×32 and 16×64×64 resizes over two threads (the model 1 % faster than with 32768, where the
    /// first ran on one); benchmarks' A/B switch.
    /// </summary>
    internal static int MinChunk { get; set; } = 16384;

    private ResizePlan? _plan;
    private Axis[] _axes = [];
    private bool _anyOutside;
    private float[] _bufferA = [], _bufferB = [];

    /// <summary>One axis' taps in the form the loops use.</summary>
    private sealed class Axis(int taps, int[] indices, float[] weights, bool[] outside, bool identity)
    {
        public readonly int Taps = taps;
        public readonly int[] Indices = indices;
        public readonly float[] Weights = weights;
        public readonly bool[] Outside = outside;
        /// <summary>True when every output position copies the same input position (the axis is not resized).</summary>
        public readonly bool Identity = identity;
    }

    /// <summary>Resamples <paramref name="x"/> into <paramref name="y"/> per <paramref name="plan"/>.</summary>
    public void Run(CpuThreadPool pool, ResizePlan plan, Tensor x, Tensor y)
    {
        if (!ShapeUtil.Same(x.Shape, plan.InputShape) || !ShapeUtil.Same(y.Shape, plan.OutputShape))
            throw new InvalidOperationException($"resize plan {ShapeUtil.Format(plan.InputShape)}→{ShapeUtil.Format(plan.OutputShape)} does not fit {x.Describe()}→{y.Describe()}");
        Prepare(plan);
        if (y.Length == 0) return;
        if (plan.Sampling.Mode == ResizeMode.Nearest)
        {
            object fill = y.Type switch
            {
                DataType.Float32 => plan.Sampling.ExtrapolationValue,
                DataType.Float64 => (double)plan.Sampling.ExtrapolationValue,
                DataType.Bool => plan.Sampling.ExtrapolationValue != 0,
                _ => DataTypes.Wrap((long)plan.Sampling.ExtrapolationValue, y.Type),
            };
            DataCopy.Dispatch(x, y, new NearestMove(_axes, x.Shape, y.Shape, fill, pool));
            return;
        }
        Filter(pool, x, y);
    }

    private void Prepare(ResizePlan plan)
    {
        if (_plan is not null && SamePlan(_plan, plan)) return;
        int rank = plan.InputShape.Length;
        _axes = new Axis[rank];
        _anyOutside = false;
        for (int d = 0; d < rank; d++)
        {
            var t = plan.Taps(d);
            var weights = new float[t.Weights.Length];
            for (int i = 0; i < weights.Length; i++) weights[i] = (float)t.Weights[i];
            bool identity = plan.InputShape[d] == plan.OutputShape[d];
            for (int o = 0; o < plan.OutputShape[d] && identity; o++)
            {
                if (t.Outside[o]) { identity = false; break; }
                for (int k = 0; k < t.TapCount; k++)
                {
                    double w = t.Weights[o * t.TapCount + k];
                    if (w != 0 && (w != 1 || t.Indices[o * t.TapCount + k] != o)) { identity = false; break; }
                }
            }
            foreach (bool b in t.Outside) _anyOutside |= b;
            _axes[d] = new Axis(t.TapCount, t.Indices, weights, t.Outside, identity);
        }
        _plan = plan;
    }

    private static bool SamePlan(ResizePlan a, ResizePlan b) =>
        a.Sampling == b.Sampling && ShapeUtil.Same(a.InputShape, b.InputShape) && ShapeUtil.Same(a.OutputShape, b.OutputShape)
        && a.Scales.AsSpan().SequenceEqual(b.Scales) && a.ResizedLengths.AsSpan().SequenceEqual(b.ResizedLengths)
        && (a.Roi is null ? b.Roi is null : b.Roi is not null && a.Roi.AsSpan().SequenceEqual(b.Roi));

    // ---------------------------------------------------------------- nearest

    private readonly struct NearestMove(Axis[] axes, int[] inShape, int[] outShape, object fill, CpuThreadPool pool) : IMove
    {
        public void Run<T>(T[] x, int xo, T[] y, int yo)
        {
            int rank = outShape.Length;
            int row = outShape[rank - 1];
            int rows = ShapeUtil.Product(outShape, 0, rank - 1);
            var job = new NearestJob<T>(axes, ShapeUtil.Strides(inShape), outShape, row, (T)fill, x, xo, y, yo);
            ParallelRange.For(pool, rows, Math.Max(1, MinChunk / Math.Max(1, row)), job, static (j, r0, r1) => j.Rows(r0, r1));
        }
    }

    private sealed record NearestJob<T>(Axis[] Axes, int[] InStrides, int[] OutShape, int Row, T Fill, T[] X, int Xo, T[] Y, int Yo)
    {
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public void Rows(int r0, int r1)
        {
            int rank = OutShape.Length;
            var last = Axes[rank - 1];
            // Output row index over the outer axes, stepped like an odometer: no division per row.
            Span<int> at = stackalloc int[Math.Max(0, rank - 1)];
            for (int d = rank - 2, rest = r0; d >= 0; d--)
            {
                at[d] = rest % OutShape[d];
                rest /= OutShape[d];
            }
            int r = r0;
            int source = SourceRow(at);
            while (r < r1)
            {
                // Rows that read the same input row (integer upscaling along the next-to-last axis) are
                // written together: the doubled row from one read, the others copied from the first.
                int count = 1, next = int.MinValue;
                while (r + count < r1)
                {
                    Step(at);
                    next = SourceRow(at);
                    if (next != source) break;
                    count++;
                }
                if (r + count == r1) next = int.MinValue;
                var dst = Y.AsSpan(Yo + r * Row, Row * count);
                if (source < 0) dst.Fill(Fill);
                else if (typeof(T) == typeof(float) && Doubled && Avx2.IsSupported)
                {
                    // T is float here (the JIT drops this branch for every other T).
                    ref float s = ref Unsafe.As<T, float>(ref X[Xo + source]);
                    DoubleRows(ref s, ref Unsafe.As<T, float>(ref MemoryMarshal.GetReference(dst)), Row, count);
                }
                else
                {
                    int src = Xo + source;
                    for (int w = 0; w < Row; w++) dst[w] = last.Outside[w] ? Fill : X[src + last.Indices[w]];
                    for (int c = 1; c < count; c++) dst[..Row].CopyTo(dst.Slice(c * Row, Row));
                }
                r += count;
                source = next;
            }
        }

        /// <summary>Advances the outer-axis index <paramref name="at"/> by one output row.</summary>
        private void Step(Span<int> at)
        {
            for (int d = at.Length - 1; d >= 0; d--)
            {
                if (++at[d] < OutShape[d] || d == 0) return;
                at[d] = 0;
            }
        }

        /// <summary>Offset of the input row that output row <paramref name="at"/> reads; -1 when it lies outside (tf_crop_and_resize).</summary>
        private int SourceRow(ReadOnlySpan<int> at)
        {
            int source = 0;
            for (int d = 0; d < OutShape.Length - 1; d++)
            {
                if (Axes[d].Outside[at[d]]) return -1;
                source += Axes[d].Indices[at[d]] * InStrides[d];
            }
            return source;
        }

        /// <summary>True when the last axis repeats every input element twice (2× nearest upscaling: index w / 2, nothing outside).</summary>
        private bool Doubled { get; } = IsDoubling(Axes[^1], Row);

        private static bool IsDoubling(Axis last, int row)
        {
            if (last.Taps != 1) return false;
            for (int w = 0; w < row; w++)
                if (last.Outside[w] || last.Indices[w] != w >> 1) return false;
            return true;
        }

        /// <summary>
        /// dst[2i] = dst[2i + 1] = src[i] for <paramref name="rows"/> consecutive output rows of
        /// <paramref name="row"/> floats: each load is stored to every row (AVX-512: 32 outputs per 16-float
        /// load through two lane permutes; AVX2: 16 per 8-float load, unpacked with itself, halves reordered).
        /// </summary>
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        private static void DoubleRows(ref float s, ref float d, int row, int rows)
        {
            int i = 0;
            if (Avx512F.IsSupported && row >= 32)
            {
                var low = Vector512.Create(0, 0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 6, 7, 7);
                var high = Vector512.Create(8, 8, 9, 9, 10, 10, 11, 11, 12, 12, 13, 13, 14, 14, 15, 15);
                for (; 2 * i + 32 <= row; i += 16)
                {
                    var v = Vector512.LoadUnsafe(ref s, (nuint)i);
                    var lo = Avx512F.PermuteVar16x32(v, low);
                    var hi = Avx512F.PermuteVar16x32(v, high);
                    for (int c = 0; c < rows; c++)
                    {
                        lo.StoreUnsafe(ref d, (nuint)(c * row + 2 * i));
                        hi.StoreUnsafe(ref d, (nuint)(c * row + 2 * i + 16));
                    }
                }
            }
            for (; 2 * i + 16 <= row; i += 8)
            {
                var v = Vector256.LoadUnsafe(ref s, (nuint)i);
                var lo = Avx.UnpackLow(v, v);   // x0 x0 x1 x1 | x4 x4 x5 x5
                var hi = Avx.UnpackHigh(v, v);  // x2 x2 x3 x3 | x6 x6 x7 x7
                var first = Avx.Permute2x128(lo, hi, 0x20);
                var second = Avx.Permute2x128(lo, hi, 0x31);
                for (int c = 0; c < rows; c++)
                {
                    first.StoreUnsafe(ref d, (nuint)(c * row + 2 * i));
                    second.StoreUnsafe(ref d, (nuint)(c * row + 2 * i + 8));
                }
            }
            for (int w = 2 * i; w < row; w++)
            {
                float value = Unsafe.Add(ref s, w >> 1);
                for (int c = 0; c < rows; c++) Unsafe.Add(ref d, c * row + w) = value;
            }
        }
    }

    // ---------------------------------------------------------------- linear / cubic

    private void Filter(CpuThreadPool pool, Tensor x, Tensor y)
    {
        int rank = x.Rank;
        var order = new List<int>();
        for (int d = 0; d < rank; d++) if (!_axes[d].Identity) order.Add(d);
        int lastAxis = rank - 1;
        if (order.Remove(lastAxis))
        {
            if (y.Shape[lastAxis] >= x.Shape[lastAxis]) order.Insert(0, lastAxis);
            else order.Add(lastAxis);
        }
        if (order.Count == 0) x.Floats.CopyTo(y.Floats);

        var shape = (int[])x.Shape.Clone();
        var (srcArray, srcOffset) = x.Raw;
        float[] src = (float[])srcArray;
        for (int i = 0; i < order.Count; i++)
        {
            int axis = order[i];
            var next = (int[])shape.Clone();
            next[axis] = y.Shape[axis];
            float[] dst;
            int dstOffset;
            if (i == order.Count - 1) (dst, dstOffset) = ((float[])y.Raw.Storage, y.Raw.Offset);
            else
            {
                int need = ShapeUtil.Size(next);
                ref float[] buffer = ref (i % 2 == 0 ? ref _bufferA : ref _bufferB);
                if (buffer.Length < need) buffer = new float[need];
                (dst, dstOffset) = (buffer, 0);
            }
            Pass(pool, _axes[axis], src, srcOffset, dst, dstOffset, ShapeUtil.Product(shape, 0, axis), shape[axis], next[axis],
                ShapeUtil.Product(shape, axis + 1, rank));
            (src, srcOffset, shape) = (dst, dstOffset, next);
        }
        if (_anyOutside) FillOutside(y, _plan!.Sampling.ExtrapolationValue);
    }

    /// <summary>One 1-D pass: [outer, lengthIn, inner] → [outer, lengthOut, inner] along <paramref name="axis"/>.</summary>
    private static void Pass(CpuThreadPool pool, Axis axis, float[] src, int srcOffset, float[] dst, int dstOffset,
        int outer, int lengthIn, int lengthOut, int inner)
    {
        var job = new PassJob(axis, src, srcOffset, dst, dstOffset, lengthIn, lengthOut, inner);
        int lines = outer * lengthOut;
        ParallelRange.For(pool, lines, Math.Max(1, MinChunk / Math.Max(1, inner * axis.Taps)), job, static (j, l0, l1) => j.Lines(l0, l1));
    }

    private sealed record PassJob(Axis Axis, float[] Src, int SrcOffset, float[] Dst, int DstOffset, int LengthIn, int LengthOut, int Inner)
    {
        /// <summary>Output lines [l0, l1), numbered outer·lengthOut + position.</summary>
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public void Lines(int l0, int l1)
        {
            int taps = Axis.Taps;
            for (int l = l0; l < l1; l++)
            {
                int o = l / LengthOut, p = l % LengthOut;
                int srcBase = SrcOffset + o * LengthIn * Inner;
                var dst = Dst.AsSpan(DstOffset + l * Inner, Inner);
                var weights = Axis.Weights.AsSpan(p * taps, taps);
                var indices = Axis.Indices.AsSpan(p * taps, taps);
                if (Inner == 1)
                {
                    float sum = 0;
                    for (int k = 0; k < taps; k++) sum += weights[k] * Src[srcBase + indices[k]];
                    dst[0] = sum;
                    continue;
                }
                Axpy(Src.AsSpan(srcBase + indices[0] * Inner, Inner), weights[0], dst, first: true);
                for (int k = 1; k < taps; k++)
                    Axpy(Src.AsSpan(srcBase + indices[k] * Inner, Inner), weights[k], dst, first: false);
            }
        }
    }

    /// <summary>dst = w·src (first) or dst += w·src.</summary>
    private static void Axpy(ReadOnlySpan<float> src, float w, Span<float> dst, bool first)
    {
        ref float s = ref MemoryMarshal.GetReference(src);
        ref float d = ref MemoryMarshal.GetReference(dst);
        int n = src.Length, i = 0;
        if (Vector256.IsHardwareAccelerated)
        {
            var vw = Vector256.Create(w);
            if (first)
                for (; i <= n - 8; i += 8) (Vector256.LoadUnsafe(ref s, (nuint)i) * vw).StoreUnsafe(ref d, (nuint)i);
            else
                for (; i <= n - 8; i += 8)
                    Vector256.FusedMultiplyAdd(Vector256.LoadUnsafe(ref s, (nuint)i), vw, Vector256.LoadUnsafe(ref d, (nuint)i)).StoreUnsafe(ref d, (nuint)i);
        }
        for (; i < n; i++) dst[i] = first ? w * src[i] : MathF.FusedMultiplyAdd(src[i], w, dst[i]);
    }

    /// <summary>tf_crop_and_resize: positions outside the input along any axis take the extrapolation value.</summary>
    private void FillOutside(Tensor y, float value)
    {
        var ys = y.Floats;
        var index = new int[y.Rank];
        for (int i = 0; i < ys.Length; i++)
        {
            bool outside = false;
            for (int d = 0; d < index.Length; d++) outside |= _axes[d].Outside[index[d]];
            if (outside) ys[i] = value;
            for (int d = index.Length - 1; d >= 0; d--)
            {
                if (++index[d] < y.Shape[d]) break;
                index[d] = 0;
            }
        }
    }
}
