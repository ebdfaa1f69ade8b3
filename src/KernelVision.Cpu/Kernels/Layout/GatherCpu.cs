using KernelVision.Backends;
using KernelVision.Cpu.Threading;
using KernelVision.Ops.Layout;
using KernelVision.Tensors;

namespace KernelVision.Cpu.Kernels.Layout;

/// <summary>
/// Gather, any element type: viewing the data as [outer, dim, inner], output block (o, j) is data
/// block (o, indices[j]), a contiguous copy of <c>inner</c> elements (element by element when inner
/// is 1). Indices are checked once per run; blocks are split across the thread pool.
/// </summary>
[BackendKernel("cpu")]
public sealed class GatherCpu(Gather op) : CopyKernel<Gather>(op)
{
    private int[] _rows = [];

    /// <inheritdoc/>
    protected override void Compute(IReadOnlyList<Tensor?> inputs, IReadOnlyList<Tensor?> outputs)
    {
        var data = inputs[0]!;
        var indices = inputs[1]!.Int64s;
        var y = outputs[0]!;
        int axis = Op.ResolveAxis(data.Rank);
        int dim = data.Shape[axis];
        if (_rows.Length != indices.Length) _rows = new int[indices.Length];
        for (int j = 0; j < indices.Length; j++) _rows[j] = Op.CheckIndex(indices[j], dim);
        if (y.Length == 0) return;
        int outer = ShapeUtil.Product(data.Shape, 0, axis);
        int inner = ShapeUtil.Product(data.Shape, axis + 1, data.Rank);
        DataCopy.Dispatch(data, y, new Move(_rows, outer, dim, inner, Pool));
    }

    private readonly struct Move(int[] rows, int outer, int dim, int inner, CpuThreadPool pool) : IMove
    {
        public void Run<T>(T[] x, int xo, T[] y, int yo)
        {
            var job = (Rows: rows, Dim: dim, Inner: inner, X: x, Xo: xo, Y: y, Yo: yo);
            ParallelRange.For(pool, outer * rows.Length, Math.Max(1, DataCopy.MinChunk / Math.Max(1, inner)), job, static (j, b0, b1) =>
            {
                int count = j.Rows.Length;
                for (int b = b0; b < b1; b++)
                {
                    int o = b / count, r = j.Rows[b % count];
                    int src = j.Xo + (o * j.Dim + r) * j.Inner, dst = j.Yo + b * j.Inner;
                    if (j.Inner == 1) j.Y[dst] = j.X[src];
                    else Array.Copy(j.X, src, j.Y, dst, j.Inner);
                }
            });
        }
    }
}
