using KernelVision.Backends;
using KernelVision.Cpu.Threading;
using KernelVision.Ops.Layout;
using KernelVision.Tensors;

namespace KernelVision.Cpu.Kernels.Layout;

/// <summary>
/// Split as block copies, any element type: the mirror of <see cref="ConcatCpu"/>. The input's flat
/// range is cut into equal chunks for the threads; each copies the row pieces it covers into their outputs.
/// </summary>
[BackendKernel("cpu")]
public sealed class SplitCpu(Split op) : CopyKernel<Split>(op)
{
    private int[] _blocks = [];
    private int[] _columns = [];

    /// <inheritdoc/>
    protected override void Compute(IReadOnlyList<Tensor?> inputs, IReadOnlyList<Tensor?> outputs)
    {
        var x = inputs[0]!;
        var sizes = Op.Resolve(x.Shape, inputs.Count > 1 ? inputs[1] : null);
        int axis = Op.ResolveAxis(x.Rank);
        int inner = ShapeUtil.Product(x.Shape, axis + 1, x.Rank);
        if (_blocks.Length != sizes.Length)
        {
            _blocks = new int[sizes.Length];
            _columns = new int[sizes.Length];
        }
        int column = 0;
        for (int k = 0; k < sizes.Length; k++)
        {
            _blocks[k] = sizes[k] * inner;
            _columns[k] = column;
            column += _blocks[k];
        }
        if (column == 0) return;
        ParallelRange.For(Pool, x.Length, DataCopy.MinChunk, (X: x, Outputs: outputs, Blocks: _blocks, Columns: _columns, Row: column),
            static (j, start, end) =>
            {
                var (xa, xo) = j.X.Raw;
                int k = 0;
                int pos = start;
                while (pos < end)
                {
                    int o = pos / j.Row, c = pos % j.Row;
                    while (c >= j.Columns[k] + j.Blocks[k]) k++;
                    while (c < j.Columns[k]) k--;
                    int within = c - j.Columns[k];
                    int n = Math.Min(end - pos, j.Blocks[k] - within);
                    if (j.Outputs[k] is { } y)
                    {
                        var (ya, yo) = y.Raw;
                        Array.Copy(xa, xo + pos, ya, yo + o * j.Blocks[k] + within, n);
                    }
                    pos += n;
                    if (j.Columns[k] + j.Blocks[k] == j.Row) k = 0;
                }
            });
    }
}
