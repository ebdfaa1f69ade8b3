using KernelVision.Backends;
using KernelVision.Cpu.Threading;
using KernelVision.Ops.Layout;
using KernelVision.Tensors;

namespace KernelVision.Cpu.Kernels.Layout;

/// <summary>
/// DepthToSpace (DCR and CRD), any element type: output row h·b + i of output channel c interleaves
/// the b input rows h of channels channel(c, i, j), j &lt; b. Output rows are split across the thread pool.
/// </summary>
[BackendKernel("cpu")]
public sealed class DepthToSpaceCpu(DepthToSpace op) : CopyKernel<DepthToSpace>(op)
{
    /// <inheritdoc/>
    protected override void Compute(IReadOnlyList<Tensor?> inputs, IReadOnlyList<Tensor?> outputs)
    {
        var x = inputs[0]!;
        var y = outputs[0]!;
        if (y.Length == 0) return;
        DataCopy.Dispatch(x, y, new Move(Op.BlockSize, Op.ColumnRowDepth, x.Shape, y.Shape, Pool));
    }

    private readonly struct Move(int b, bool crd, int[] inShape, int[] outShape, CpuThreadPool pool) : IMove
    {
        public void Run<T>(T[] x, int xo, T[] y, int yo)
        {
            int rows = outShape[0] * outShape[1] * outShape[2];
            var job = (B: b, Crd: crd, C: outShape[1], InC: inShape[1], H: inShape[2], W: inShape[3], OH: outShape[2], X: x, Xo: xo, Y: y, Yo: yo);
            ParallelRange.For(pool, rows, Math.Max(1, DataCopy.MinChunk / Math.Max(1, outShape[3])), job, static (j, r0, r1) =>
            {
                int ow = j.W * j.B;
                for (int r = r0; r < r1; r++)
                {
                    int oy = r % j.OH, nc = r / j.OH;
                    int c = nc % j.C, n = nc / j.C;
                    int h = oy / j.B, i = oy % j.B;
                    int dst = j.Yo + r * ow;
                    for (int jj = 0; jj < j.B; jj++)
                    {
                        int channel = j.Crd ? c * j.B * j.B + i * j.B + jj : (i * j.B + jj) * j.C + c;
                        int src = j.Xo + ((n * j.InC + channel) * j.H + h) * j.W;
                        for (int w = 0; w < j.W; w++) j.Y[dst + w * j.B + jj] = j.X[src + w];
                    }
                }
            });
        }
    }
}
