using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
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
                double mean = Sum(xp) / j.Plane;
                double variance = SquaredDeviations(xp, mean) / j.Plane;
                double a = j.Scale.Floats[c] / Math.Sqrt(variance + j.Epsilon);
                float high = (float)mean;
                BatchNormalizationCpu.Affine(xp, ys.Slice(p * j.Plane, j.Plane), high, (float)(mean - high), (float)a, j.Shift.Floats[c]);
            }
        });
    }

    private readonly record struct Job(Tensor X, Tensor Y, Tensor Scale, Tensor Shift, int Channels, int Plane, float Epsilon);

    /// <summary>Σx in double.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static double Sum(ReadOnlySpan<float> x)
    {
        ref float r = ref MemoryMarshal.GetReference(x);
        int n = x.Length, i = 0;
        double sum = 0;
        if (Vector256.IsHardwareAccelerated && n >= 8)
        {
            var a0 = Vector256<double>.Zero;
            var a1 = Vector256<double>.Zero;
            for (; i <= n - 8; i += 8)
            {
                var (lo, hi) = Vector256.Widen(Vector256.LoadUnsafe(ref r, (nuint)i));
                a0 += lo;
                a1 += hi;
            }
            sum = Vector256.Sum(a0 + a1);
        }
        for (; i < n; i++) sum += x[i];
        return sum;
    }

    /// <summary>Σ(x − mean)² in double.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static double SquaredDeviations(ReadOnlySpan<float> x, double mean)
    {
        ref float r = ref MemoryMarshal.GetReference(x);
        int n = x.Length, i = 0;
        double sum = 0;
        if (Vector256.IsHardwareAccelerated && n >= 8)
        {
            var m = Vector256.Create(mean);
            var a0 = Vector256<double>.Zero;
            var a1 = Vector256<double>.Zero;
            for (; i <= n - 8; i += 8)
            {
                var (lo, hi) = Vector256.Widen(Vector256.LoadUnsafe(ref r, (nuint)i));
                lo -= m;
                hi -= m;
                a0 = Vector256.FusedMultiplyAdd(lo, lo, a0);
                a1 = Vector256.FusedMultiplyAdd(hi, hi, a1);
            }
            sum = Vector256.Sum(a0 + a1);
        }
        for (; i < n; i++)
        {
            double d = x[i] - mean;
            sum += d * d;
        }
        return sum;
    }
}
