using KernelVision.Backends;
using KernelVision.Cpu.Threading;
using KernelVision.Ops.Layout;
using KernelVision.Tensors;

namespace KernelVision.Cpu.Kernels.Layout;

/// <summary>
/// Concat as block copies, any element type. Viewing the output as [outer, row], each output row is
/// the inputs' rows side by side. The output's flat range is split into equal chunks for the threads
/// and each chunk copies the pieces of input rows it covers, so one huge input and many small ones
/// balance alike. An input the planner placed in its block of the output already
/// (<see cref="IPlacedInputs"/>) is not copied.
/// </summary>
[BackendKernel("cpu")]
public sealed class ConcatCpu(Concat op) : CopyKernel<Concat>(op), IPlacedInputs
{
    private int[] _blocks = [];
    private int[] _columns = [];

    /// <inheritdoc/>
    protected override void Compute(IReadOnlyList<Tensor?> inputs, IReadOnlyList<Tensor?> outputs)
    {
        var y = outputs[0]!;
        int axis = Op.ResolveAxis(y.Rank);
        if (_blocks.Length != inputs.Count)
        {
            _blocks = new int[inputs.Count];
            _columns = new int[inputs.Count];
        }
        int column = 0;
        for (int i = 0; i < inputs.Count; i++)
        {
            var x = inputs[i]!;
            _blocks[i] = ShapeUtil.Product(x.Shape, axis, x.Rank);
            _columns[i] = column;
            column += _blocks[i];
        }
        ParallelRange.For(Pool, y.Length, DataCopy.MinChunk, (Inputs: inputs, Y: y, Blocks: _blocks, Columns: _columns, Row: column),
            static (j, start, end) =>
            {
                var (ya, yo) = j.Y.Raw;
                int i = 0;
                int pos = start;
                while (pos < end)
                {
                    int o = pos / j.Row, c = pos % j.Row;
                    while (c >= j.Columns[i] + j.Blocks[i]) i++;
                    while (c < j.Columns[i]) i--;
                    int within = c - j.Columns[i];
                    int n = Math.Min(end - pos, j.Blocks[i] - within);
                    var (xa, xo) = j.Inputs[i]!.Raw;
                    int from = xo + o * j.Blocks[i] + within;
                    if (!ReferenceEquals(xa, ya) || from != yo + pos) Array.Copy(xa, from, ya, yo + pos, n);
                    pos += n;
                    if (j.Columns[i] + j.Blocks[i] == j.Row) i = 0; // next output row starts with input 0
                }
            });
    }
}
