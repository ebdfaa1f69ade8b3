using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using KernelVision.Backends;
using KernelVision.Cpu.Threading;
using KernelVision.Ops.Layout;
using KernelVision.Tensors;

namespace KernelVision.Cpu.Kernels.Layout;

/// <summary>
/// ArgMax on float32 with the Reference's rules (NaN counts as the largest value; first index on ties
/// unless select_last_index). Along the last axis each row is scanned; along an inner axis (channel
/// argmax of a segmentation map) a block of columns is compared 8 lanes at a time, row by row.
/// Other element types run on the Reference kernel.
/// </summary>
[BackendKernel("cpu")]
public sealed class ArgMaxCpu(ArgMax op) : CpuKernel<ArgMax>(op)
{
    private const int Block = 256;

    /// <inheritdoc/>
    protected override void Compute(IReadOnlyList<Tensor?> inputs, IReadOnlyList<Tensor?> outputs)
    {
        var x = inputs[0]!;
        int axis = Op.ResolveAxis(x.Rank);
        int dim = x.Shape[axis];
        int outer = ShapeUtil.Product(x.Shape, 0, axis);
        int inner = ShapeUtil.Product(x.Shape, axis + 1, x.Rank);
        var job = new Job(x, outputs[0]!, dim, inner, Op.SelectLastIndex);
        if (inner == 1)
        {
            ParallelRange.For(Pool, outer, Math.Max(1, 32768 / Math.Max(1, dim)), job, static (j, r0, r1) =>
            {
                var xs = j.X.Floats;
                var ys = j.Y.Int64s;
                for (int r = r0; r < r1; r++) ys[r] = Row(xs.Slice(r * j.Dim, j.Dim), j.SelectLast);
            });
            return;
        }
        int blocks = (inner + Block - 1) / Block;
        ParallelRange.For(Pool, outer * blocks, Math.Max(1, 32768 / Math.Max(1, dim * Math.Min(inner, Block))), job, static (j, i0, i1) =>
        {
            int blocks = (j.Inner + Block - 1) / Block;
            for (int i = i0; i < i1; i++)
            {
                int o = i / blocks, c0 = i % blocks * Block;
                Columns(j, o, c0, Math.Min(Block, j.Inner - c0));
            }
        });
    }

    private readonly record struct Job(Tensor X, Tensor Y, int Dim, int Inner, bool SelectLast);

    private static bool Better(float v, float best, bool selectLast)
    {
        if (float.IsNaN(best)) return selectLast && float.IsNaN(v);
        if (float.IsNaN(v)) return true;
        return v > best || selectLast && v == best;
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static long Row(ReadOnlySpan<float> x, bool selectLast)
    {
        int best = 0;
        float value = x[0];
        for (int k = 1; k < x.Length; k++)
            if (Better(x[k], value, selectLast)) { best = k; value = x[k]; }
        return best;
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Columns(Job j, int o, int c0, int width)
    {
        Span<float> best = stackalloc float[width];
        Span<int> where = stackalloc int[width];
        var xs = j.X.Floats;
        int start = o * j.Dim * j.Inner + c0;
        xs.Slice(start, width).CopyTo(best);
        where.Clear();
        ref float br = ref MemoryMarshal.GetReference(best);
        ref int wr = ref MemoryMarshal.GetReference(where);
        for (int k = 1; k < j.Dim; k++)
        {
            var row = xs.Slice(start + k * j.Inner, width);
            ref float rr = ref MemoryMarshal.GetReference(row);
            int c = 0;
            if (Vector256.IsHardwareAccelerated)
            {
                var kv = Vector256.Create(k);
                for (; c <= width - 8; c += 8)
                {
                    var v = Vector256.LoadUnsafe(ref rr, (nuint)c);
                    var b = Vector256.LoadUnsafe(ref br, (nuint)c);
                    var vNaN = ~Vector256.Equals(v, v);
                    var bNaN = ~Vector256.Equals(b, b);
                    var ordinary = vNaN | Vector256.GreaterThan(v, b);
                    if (j.SelectLast) ordinary |= Vector256.Equals(v, b);
                    var take = j.SelectLast
                        ? Vector256.ConditionalSelect(bNaN, vNaN, ordinary)
                        : Vector256.AndNot(ordinary, bNaN);
                    Vector256.ConditionalSelect(take, v, b).StoreUnsafe(ref br, (nuint)c);
                    Vector256.ConditionalSelect(take.AsInt32(), kv, Vector256.LoadUnsafe(ref wr, (nuint)c)).StoreUnsafe(ref wr, (nuint)c);
                }
            }
            for (; c < width; c++)
                if (Better(row[c], best[c], j.SelectLast)) { best[c] = row[c]; where[c] = k; }
        }
        var ys = j.Y.Int64s.Slice(o * j.Inner + c0, width);
        for (int c = 0; c < width; c++) ys[c] = where[c];
    }
}
