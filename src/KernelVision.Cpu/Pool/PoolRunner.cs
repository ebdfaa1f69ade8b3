using KernelVision.Cpu.Threading;
using KernelVision.Tensors;

namespace KernelVision.Cpu.Pool;

/// <summary>Spreads a float32 pooling run over the thread pool and picks the 2-D paths or the generic loop.</summary>
internal static class PoolRunner
{
    /// <summary>Window taps per chunk below which splitting further is not worth a thread.</summary>
    private const int MinTapsPerChunk = 65536;

    /// <summary>Pools <paramref name="x"/> into <paramref name="y"/> (and <paramref name="indices"/> when given).</summary>
    public static void Run(CpuThreadPool pool, PoolPlan plan, PoolKind kind, bool includePad, int storageOrder,
        Tensor x, Tensor y, Tensor? indices)
    {
        var g = plan.Geometry;
        int taps = Math.Max(1, g.KernelSize);
        var job = new Job(plan, kind, includePad, storageOrder, x, y, indices);
        if (g.Rank == 2 && indices is null && Pooling.PlanesApply(plan))
        {
            long perPlane = (long)Math.Max(1, g.OutputSize) * taps;
            ParallelRange.For(pool, plan.Planes, (int)Math.Max(1, MinTapsPerChunk / perPlane), job, static (j, p0, p1) =>
                Pooling.Planes2D(j.Plan, j.Kind, j.IncludePad, j.X.Floats, j.Y.Floats, p0, p1));
            return;
        }
        if (g.Rank == 2 && indices is null)
        {
            int rows = plan.Planes * g.OutputSpatial[0];
            long perRow = (long)Math.Max(1, g.OutputSpatial[1]) * taps;
            ParallelRange.For(pool, rows, (int)Math.Max(1, MinTapsPerChunk / perRow), job, static (j, r0, r1) =>
                Pooling.TableRows2D(j.Plan, j.Kind, j.IncludePad, j.X.Floats, j.Y.Floats, r0, r1));
            return;
        }
        ParallelRange.For(pool, y.Length, Math.Max(1, MinTapsPerChunk / taps), job, static (j, start, end) =>
            Pooling.Generic(j.Plan, j.Kind, j.IncludePad, j.StorageOrder, j.X.Floats, j.Y.Floats,
                j.Indices is null ? default : j.Indices.Int64s, start, end));
    }

    private readonly record struct Job(PoolPlan Plan, PoolKind Kind, bool IncludePad, int StorageOrder, Tensor X, Tensor Y, Tensor? Indices);
}
