using System.Reflection;
using ILGPU;
using ILGPU.Runtime;
using KernelVision.Gpu.Device;

namespace KernelVision.Gpu.Runtime;

/// <summary>Loads (once per accelerator) and launches the device kernels.</summary>
internal static class Launch
{
    /// <summary>
    /// Runs implicitly grouped grid-stride kernel <paramref name="kernel"/> over <paramref name="n"/> elements
    /// on at most <see cref="TileConfig.ElementThreads"/> threads.
    /// </summary>
    public static void Elements<T>(GpuDevice d, Action<Index1D, ElementRange, T> kernel, int n, T args) where T : struct
    {
        if (n <= 0) return;
        var k = d.Kernel(Key(kernel.Method), a => a.LoadAutoGroupedStreamKernel(kernel));
        int threads = Math.Min(n, d.Tiles.ElementThreads);
        k(threads, new ElementRange { Count = n, Stride = threads }, args);
    }

    /// <summary>Runs explicitly grouped kernel <paramref name="kernel"/> on <paramref name="groups"/> groups of <paramref name="threads"/>.</summary>
    public static void Groups<T>(GpuDevice d, Action<T> kernel, Index3D groups, int threads, T args) where T : struct
    {
        if (groups.X <= 0 || groups.Y <= 0 || groups.Z <= 0) return;
        var k = d.Kernel(Key(kernel.Method), a => a.LoadStreamKernel(kernel));
        k(new KernelConfig(groups, new Index3D(threads, 1, 1)), args);
    }

    /// <summary>Runs the tiled GEMM engine on <paramref name="p"/> with the tile the device picks for its size.</summary>
    public static void Gemm<TProblem>(GpuDevice d, TProblem p, int slices) where TProblem : struct, IGemmProblem
    {
        switch (d.Tiles.PickGemm(p.M, p.N, slices))
        {
            case GemmTile.Large128: Gemm<Tile128, TProblem>(d, p, slices); break;
            case GemmTile.Medium64: Gemm<Tile64, TProblem>(d, p, slices); break;
            case GemmTile.Sim64: Gemm<TileSim, TProblem>(d, p, slices); break;
            default: Gemm<Tile16, TProblem>(d, p, slices); break;
        }
    }

    /// <summary>Runs the GEMM engine with an explicit tile (tests run every tile).</summary>
    public static void Gemm<TTile, TProblem>(GpuDevice d, TProblem p, int slices)
        where TTile : struct, IGemmTile where TProblem : struct, IGemmProblem
    {
        TTile t = default;
        int threads = t.TM / t.RM * (t.TN / t.RN);
        if (threads > d.Accelerator.MaxNumThreadsPerGroup)
            throw new InvalidOperationException($"tile {typeof(TTile).Name} needs {threads} threads per group; {d.Accelerator.Name} allows {d.Accelerator.MaxNumThreadsPerGroup}");
        Groups(d, GemmEngine.Kernel<TTile, TProblem>, new Index3D((p.N + t.TN - 1) / t.TN, (p.M + t.TM - 1) / t.TM, slices), threads, p);
    }

    private static string Key(MethodInfo m) =>
        m.DeclaringType!.FullName + "." + m.Name + (m.IsGenericMethod ? "<" + string.Join(",", m.GetGenericArguments().Select(a => a.Name)) + ">" : "");
}

/// <summary>Every device kernel entry point, for the test that compiles each one to PTX.</summary>
public static class KernelCatalog
{
    /// <summary>(name, method, explicitly grouped).</summary>
    public static IEnumerable<(string Name, MethodInfo Method, bool Explicit)> All()
    {
        foreach (var m in new Action<Index1D, ElementRange, UnaryArgs>[] { ElementwiseKernels.Unary }) yield return Item(m.Method, false);
        yield return Item(((Action<Index1D, ElementRange, BinaryArgs>)ElementwiseKernels.Binary).Method, false);
        yield return Item(((Action<Index1D, ElementRange, CopyArgs>)ElementwiseKernels.Copy).Method, false);
        yield return Item(((Action<Index1D, ElementRange, PadArgs>)ElementwiseKernels.Pad).Method, false);
        yield return Item(((Action<Index1D, ElementRange, ResizeArgs>)ElementwiseKernels.ResizeAxis).Method, false);
        yield return Item(((Action<Index1D, ElementRange, PoolArgs>)NeuralKernels.Pool).Method, false);
        yield return Item(((Action<Index1D, ElementRange, BatchNormArgs>)NeuralKernels.BatchNorm).Method, false);
        yield return Item(((Action<Index1D, ElementRange, LrnArgs>)NeuralKernels.Lrn).Method, false);
        yield return Item(((Action<DepthwiseArgs>)NeuralKernels.Depthwise).Method, true);
        yield return Item(((Action<RowArgs>)NeuralKernels.Softmax).Method, true);
        yield return Item(((Action<RowArgs>)NeuralKernels.GlobalPool).Method, true);
        yield return Item(((Action<RowArgs>)NeuralKernels.InstanceNorm).Method, true);
        yield return Item(((Action<ReduceArgs>)NeuralKernels.ReduceRows).Method, true);
        var gemm = typeof(GemmEngine).GetMethod(nameof(GemmEngine.Kernel))!;
        foreach (var tile in new[] { typeof(Tile16), typeof(TileSim), typeof(Tile64), typeof(Tile128) })
            foreach (var problem in new[] { typeof(ConvProblem), typeof(DenseProblem), typeof(MatMulProblem) })
                yield return Item(gemm.MakeGenericMethod(tile, problem), true);
    }

    private static (string, MethodInfo, bool) Item(MethodInfo m, bool isExplicit) =>
        (m.Name + (m.IsGenericMethod ? "<" + string.Join(",", m.GetGenericArguments().Select(a => a.Name)) + ">" : ""), m, isExplicit);
}
