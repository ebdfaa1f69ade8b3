using KernelVision.Backends;
using KernelVision.Cpu.Threading;
using KernelVision.Ops.Layout;
using KernelVision.Tensors;

namespace KernelVision.Cpu.Kernels.Layout;

/// <summary>
/// Pad, any element type and mode. Per axis a table says which input coordinate each output
/// coordinate copies (the op's <see cref="Pad.SourceIndex"/>; −1 for the constant). Output rows
/// along the last axis are then either all constant, or a left border, one contiguous block copy of
/// the kept input row, and a right border. Rows are split across the thread pool.
/// </summary>
[BackendKernel("cpu")]
public sealed class PadCpu(Pad op) : CopyKernel<Pad>(op)
{
    /// <inheritdoc/>
    protected override void Compute(IReadOnlyList<Tensor?> inputs, IReadOnlyList<Tensor?> outputs)
    {
        var x = inputs[0]!;
        var y = outputs[0]!;
        var (begin, end) = Op.Resolve(x.Shape, At(inputs, 1), At(inputs, 3));
        if (y.Length == 0) return;
        int rank = x.Rank;
        if (rank == 0)
        {
            DataCopy.Copy(Pool, x, y);
            return;
        }
        var sources = new int[rank][];
        int middleStart = 0, middleCount = 0;
        for (int d = 0; d < rank; d++)
        {
            int first = (int)Math.Max(0, -begin[d]);
            int count = (int)(x.Shape[d] - first - Math.Max(0, -end[d]));
            long pad = Math.Max(0, begin[d]);
            sources[d] = new int[y.Shape[d]];
            for (int o = 0; o < y.Shape[d]; o++) sources[d][o] = Op.SourceIndex(o, first, count, pad);
            if (d == rank - 1)
            {
                middleStart = (int)Math.Min(pad, y.Shape[d]);
                middleCount = Math.Max(0, Math.Min(count, y.Shape[d] - middleStart));
            }
        }
        var geometry = new Geometry(sources, ShapeUtil.Strides(x.Shape), y.Shape[rank - 1], middleStart, middleCount);
        var constant = At(inputs, 2);
        bool given = constant is not null && constant.Length > 0;
        switch (x.Raw.Storage)
        {
            case float[]: DataCopy.Dispatch(x, y, new Move<float>(geometry, given ? constant!.Floats[0] : Op.ValueAttribute, Pool)); break;
            case double[]: DataCopy.Dispatch(x, y, new Move<double>(geometry, given ? constant!.Doubles[0] : Op.ValueAttribute, Pool)); break;
            case long[]: DataCopy.Dispatch(x, y, new Move<long>(geometry, given ? constant!.Int64s[0] : (long)Op.ValueAttribute, Pool)); break;
            case bool[]: DataCopy.Dispatch(x, y, new Move<bool>(geometry, given ? constant!.Bools[0] : Op.ValueAttribute != 0, Pool)); break;
            default: throw new UnsupportedException($"{Op.Node.DisplayName}: tensors of type {x.Type.Name()} are not supported");
        }
    }

    private static Tensor? At(IReadOnlyList<Tensor?> inputs, int i) => i < inputs.Count ? inputs[i] : null;

    /// <summary>Per-axis source tables, input strides, and the last axis' output length and contiguous middle part.</summary>
    private sealed record Geometry(int[][] Sources, int[] Strides, int Row, int MiddleStart, int MiddleCount)
    {
        /// <summary>Input offset of output row <paramref name="row"/> (all axes but the last), or −1 when the row is constant.</summary>
        public int RowSource(int row)
        {
            int offset = 0;
            for (int d = Sources.Length - 2; d >= 0; d--)
            {
                int n = Sources[d].Length;
                int s = Sources[d][row % n];
                row /= n;
                if (s < 0) return -1;
                offset += s * Strides[d];
            }
            return offset;
        }
    }

    private readonly struct Move<TValue>(Geometry g, TValue fill, CpuThreadPool pool) : IMove
    {
        public void Run<T>(T[] x, int xo, T[] y, int yo)
        {
            // TValue is T (the switch above pairs them); the cast is free after specialisation.
            T value = (T)(object)fill!;
            int rows = RowCount(g);
            ParallelRange.For(pool, rows, Math.Max(1, DataCopy.MinChunk / Math.Max(1, g.Row)), (G: g, X: x, Xo: xo, Y: y, Yo: yo, V: value),
                static (j, r0, r1) =>
                {
                    var g = j.G;
                    var last = g.Sources[^1];
                    for (int r = r0; r < r1; r++)
                    {
                        var dst = j.Y.AsSpan(j.Yo + r * g.Row, g.Row);
                        int src = g.RowSource(r);
                        if (src < 0)
                        {
                            dst.Fill(j.V);
                            continue;
                        }
                        src += j.Xo;
                        for (int o = 0; o < g.MiddleStart; o++) dst[o] = last[o] < 0 ? j.V : j.X[src + last[o]];
                        if (g.MiddleCount > 0)
                            j.X.AsSpan(src + last[g.MiddleStart], g.MiddleCount).CopyTo(dst.Slice(g.MiddleStart, g.MiddleCount));
                        for (int o = g.MiddleStart + g.MiddleCount; o < g.Row; o++) dst[o] = last[o] < 0 ? j.V : j.X[src + last[o]];
                    }
                });
        }

        private static int RowCount(Geometry g)
        {
            int rows = 1;
            for (int d = 0; d < g.Sources.Length - 1; d++) rows *= g.Sources[d].Length;
            return rows;
        }
    }
}
