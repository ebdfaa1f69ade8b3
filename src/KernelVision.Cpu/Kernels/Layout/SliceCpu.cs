using KernelVision.Backends;
using KernelVision.Cpu.Threading;
using KernelVision.Ops.Layout;
using KernelVision.Tensors;

namespace KernelVision.Cpu.Kernels.Layout;

/// <summary>
/// Slice, any element type. Trailing axes kept whole form one contiguous block; the last sliced axis
/// before them copies one run (step 1) or its steps block by block; the axes further out are an
/// odometer over output rows, which the thread pool splits.
/// </summary>
[BackendKernel("cpu")]
public sealed class SliceCpu(Slice op) : CopyKernel<Slice>(op)
{
    /// <inheritdoc/>
    protected override void Compute(IReadOnlyList<Tensor?> inputs, IReadOnlyList<Tensor?> outputs)
    {
        var x = inputs[0]!;
        var y = outputs[0]!;
        var plan = Op.Resolve(x.Shape, At(inputs, 1), At(inputs, 2), At(inputs, 3), At(inputs, 4));
        if (y.Length == 0) return;
        int rank = x.Rank;
        // Axes [split, rank) are taken whole: one contiguous block of `block` elements.
        int split = rank;
        while (split > 0 && plan[split - 1].Start == 0 && plan[split - 1].Step == 1 && plan[split - 1].Count == x.Shape[split - 1]) split--;
        if (split == 0)
        {
            DataCopy.Copy(Pool, x, y);
            return;
        }
        var strides = ShapeUtil.Strides(x.Shape);
        var lastAxis = plan[split - 1];
        int block = split == rank ? 1 : strides[split - 1];
        var outer = new SliceAxis[split - 1];
        Array.Copy(plan, outer, split - 1);
        var geometry = new Geometry(outer, strides, lastAxis, block);
        DataCopy.Dispatch(x, y, new Move(geometry, Pool));
    }

    private static Tensor? At(IReadOnlyList<Tensor?> inputs, int i) => i < inputs.Count ? inputs[i] : null;

    /// <summary>Outer axes (odometer), the input strides, the last sliced axis and the whole-axes block size.</summary>
    private sealed record Geometry(SliceAxis[] Outer, int[] Strides, SliceAxis Last, int Block)
    {
        /// <summary>Output elements per outer row.</summary>
        public int RowLength => Last.Count * Block;

        /// <summary>Input offset where outer row <paramref name="row"/> starts (before the last axis' start).</summary>
        public int RowOffset(int row)
        {
            int offset = 0;
            for (int d = Outer.Length - 1; d >= 0; d--)
            {
                int c = row % Outer[d].Count;
                row /= Outer[d].Count;
                offset += (Outer[d].Start + c * Outer[d].Step) * Strides[d];
            }
            return offset;
        }
    }

    private readonly struct Move(Geometry g, CpuThreadPool pool) : IMove
    {
        public void Run<T>(T[] x, int xo, T[] y, int yo)
        {
            int rows = 1;
            foreach (var a in g.Outer) rows *= a.Count;
            ParallelRange.For(pool, rows, Math.Max(1, DataCopy.MinChunk / Math.Max(1, g.RowLength)), (G: g, X: x, Xo: xo, Y: y, Yo: yo),
                static (j, r0, r1) =>
                {
                    var g = j.G;
                    int stride = g.Strides[g.Outer.Length];
                    for (int r = r0; r < r1; r++)
                    {
                        int src = j.Xo + g.RowOffset(r) + g.Last.Start * stride;
                        int dst = j.Yo + r * g.RowLength;
                        if (g.Last.Step == 1)
                        {
                            Array.Copy(j.X, src, j.Y, dst, g.RowLength);
                            continue;
                        }
                        int step = g.Last.Step * stride;
                        if (g.Block == 1)
                        {
                            for (int k = 0; k < g.Last.Count; k++) j.Y[dst + k] = j.X[src + k * step];
                            continue;
                        }
                        for (int k = 0; k < g.Last.Count; k++) Array.Copy(j.X, src + k * step, j.Y, dst + k * g.Block, g.Block);
                    }
                });
        }
    }
}
