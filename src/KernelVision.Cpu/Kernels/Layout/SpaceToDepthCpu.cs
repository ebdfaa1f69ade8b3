using KernelVision.Backends;
using KernelVision.Cpu.Threading;
using KernelVision.Ops.Layout;
using KernelVision.Tensors;

namespace KernelVision.Cpu.Kernels.Layout;

/// <summary>
/// SpaceToDepth, any element type: output row h of channel (i·b + j)·C + c takes every b-th element,
/// from offset j, of input row h·b + i of channel c. Output rows are split across the thread pool.
/// </summary>
[BackendKernel("cpu")]
public sealed class SpaceToDepthCpu(SpaceToDepth op) : CopyKernel<SpaceToDepth>(op)
{
    /// <inheritdoc/>
    protected override void Compute(IReadOnlyList<Tensor?> inputs, IReadOnlyList<Tensor?> outputs)
    {
        var x = inputs[0]!;
        var y = outputs[0]!;
        if (y.Length == 0) return;
        DataCopy.Dispatch(x, y, new Move(Op.BlockSize, x.Shape, y.Shape, Pool));
    }

    private readonly struct Move(int b, int[] inShape, int[] outShape, CpuThreadPool pool) : IMove
    {
        public void Run<T>(T[] x, int xo, T[] y, int yo)
        {
            int rows = outShape[0] * outShape[1] * outShape[2];
            var job = (B: b, C: inShape[1], H: inShape[2], W: inShape[3], OC: outShape[1], OH: outShape[2], OW: outShape[3], X: x, Xo: xo, Y: y, Yo: yo);
            ParallelRange.For(pool, rows, Math.Max(1, DataCopy.MinChunk / Math.Max(1, outShape[3])), job, static (j, r0, r1) =>
            {
                for (int r = r0; r < r1; r++)
                {
                    int oy = r % j.OH, nc = r / j.OH;
                    int channel = nc % j.OC, n = nc / j.OC;
                    int block = channel / j.C, c = channel % j.C;
                    int i = block / j.B, jj = block % j.B;
                    int src = j.Xo + ((n * j.C + c) * j.H + oy * j.B + i) * j.W + jj;
                    int dst = j.Yo + r * j.OW;
                    for (int w = 0; w < j.OW; w++) j.Y[dst + w] = j.X[src + w * j.B];
                }
            });
        }
    }
}
