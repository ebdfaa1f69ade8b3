using KernelVision.Backends;
using KernelVision.Cpu.Threading;
using KernelVision.Ops.Neural;
using KernelVision.Tensors;
using TensorPrimitives = System.Numerics.Tensors.TensorPrimitives;

namespace KernelVision.Cpu.Kernels.Neural;

/// <summary>
/// LayerNormalization on float32, rows (the dimensions from the axis on) shared out over the pool:
/// mean and variance accumulated in double (<see cref="RowStatistics"/>), then
/// y = (x − μ)·(1/σ) and y = y·Scale + B as vector passes over the row. Scale and B of the row's
/// length (every exported model's) are read as they are; a broadcast one is expanded to that length
/// first, so one loop serves both. Float64 runs on the Reference kernel.
/// </summary>
[BackendKernel("cpu")]
public sealed class LayerNormalizationCpu(LayerNormalization op) : CpuKernel<LayerNormalization>(op)
{
    /// <inheritdoc/>
    protected override void Compute(IReadOnlyList<Tensor?> inputs, IReadOnlyList<Tensor?> outputs)
    {
        var x = inputs[0]!;
        var (outer, inner) = Op.Rows(x.Shape);
        var normalized = x.Shape[Op.NormalizedAxis(x.Rank)..];
        var scale = Row(inputs[1]!, normalized, inner);
        var bias = inputs.Count > 2 && inputs[2] is { } b ? Row(b, normalized, inner) : null;
        var job = new Job(x, outputs[0]!, scale, bias, outputs.Count > 1 ? outputs[1] : null, outputs.Count > 2 ? outputs[2] : null,
            inner, Op.Epsilon);
        ParallelRange.For(Pool, outer, Math.Max(1, 16384 / Math.Max(1, inner)), job, static (j, r0, r1) =>
        {
            var xs = j.X.Floats;
            var ys = j.Y.Floats;
            for (int r = r0; r < r1; r++)
            {
                var xr = xs.Slice(r * j.Inner, j.Inner);
                var yr = ys.Slice(r * j.Inner, j.Inner);
                double mean = RowStatistics.Sum(xr) / j.Inner;
                double inv = 1 / Math.Sqrt(RowStatistics.SquaredDeviations(xr, mean) / j.Inner + j.Epsilon);
                // μ as float + remainder: with x ≈ 100 ± 1 a float μ alone is off by up to half an ulp of
                // 100 (4e-6), which the normalisation magnifies; x − high is exact when x is near μ.
                float high = (float)mean;
                TensorPrimitives.Subtract(xr, high, yr);
                TensorPrimitives.Subtract(yr, (float)(mean - high), yr);
                TensorPrimitives.Multiply(yr, (float)inv, yr);
                if (j.Bias is null) TensorPrimitives.Multiply(yr, j.Scale.Floats, yr);
                else TensorPrimitives.FusedMultiplyAdd(yr, j.Scale.Floats, j.Bias.Floats, yr);
                if (j.Mean is not null) j.Mean.Floats[r] = (float)mean;
                if (j.InvStdDev is not null) j.InvStdDev.Floats[r] = (float)inv;
            }
        });
    }

    /// <summary>Whether this run is float32 throughout, statistics included (stash_type 11 asks for float64 ones).</summary>
    protected override bool Handles(IReadOnlyList<Tensor?> inputs, IReadOnlyList<Tensor?> outputs) =>
        inputs[0]!.Type == DataType.Float32 && outputs.All(o => o is null || o.Type == DataType.Float32);

    /// <summary>Scale or B as one value per row element: itself when it has the row's length, else expanded.</summary>
    private static Tensor Row(Tensor p, int[] normalized, int inner)
    {
        if (p.Length == inner) return p;
        var row = new float[inner];
        var src = p.Floats;
        for (int i = 0; i < inner; i++) row[i] = src[LayerNormalization.BroadcastIndex(i, normalized, p.Shape)];
        return Tensor.FromFloats([inner], row);
    }

    private sealed record Job(Tensor X, Tensor Y, Tensor Scale, Tensor? Bias, Tensor? Mean, Tensor? InvStdDev, int Inner, float Epsilon);
}
