using KernelVision.Backends;
using KernelVision.Cpu.Threading;
using KernelVision.Ops.Neural;
using KernelVision.Tensors;

namespace KernelVision.Cpu.Kernels.Neural;

/// <summary>
/// InstanceNormalization on float32, one (n, c) plane per work item: mean and variance by two
/// vector passes accumulated in double (float sums over a 256×256 plane would lose digits the
/// normalisation then magnifies), then one fused pass y = (x − μ)·scale/√(σ² + ε) + B.
/// Float64 runs on the Reference kernel.
/// </summary>
[BackendKernel("cpu")]
public sealed class InstanceNormalizationCpu(InstanceNormalization op) : CpuKernel<InstanceNormalization>(op)
{

    /// <inheritdoc/>
    protected override void Compute(IReadOnlyList<Tensor?> inputs, IReadOnlyList<Tensor?> outputs)
    {
        var x = inputs[0]!;
        int channels = x.Shape[1];
        int plane = ShapeUtil.Product(x.Shape, 2, x.Rank);
        var job = new Job(x, outputs[0]!, inputs[1]!, inputs[2]!, channels, plane, Op.Epsilon);
        ParallelRange.For(Pool, x.Shape[0] * channels, Math.Max(1, 16384 / Math.Max(1, plane)), job, static (j, p0, p1) =>
        {
            var xs = j.X.Floats;
            var ys = j.Y.Floats;
            for (int p = p0; p < p1; p++)
            {
                int c = p % j.Channels;
                var xp = xs.Slice(p * j.Plane, j.Plane);
                double mean = RowStatistics.Sum(xp) / j.Plane;
                double variance = RowStatistics.SquaredDeviations(xp, mean) / j.Plane;
                double a = j.Scale.Floats[c] / Math.Sqrt(variance + j.Epsilon);
                float high = (float)mean;
                BatchNormalizationCpu.Affine(xp, ys.Slice(p * j.Plane, j.Plane), high, (float)(mean - high), (float)a, j.Shift.Floats[c]);
            }
        });
    }

    private readonly record struct Job(Tensor X, Tensor Y, Tensor Scale, Tensor Shift, int Channels, int Plane, float Epsilon);
}
