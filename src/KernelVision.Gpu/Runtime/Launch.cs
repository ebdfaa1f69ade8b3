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

    /// <summary>Padded sizes of a packed A: Mp a multiple of 4 (16-byte rows), Kp a multiple of every tile's K-step (and at least one step).</summary>
    public static (int Mp, int Kp) PackedSizes(int m, int k) =>
        ((m + 3) / 4 * 4, (Math.Max(k, 1) + PackedGemm.KMultiple - 1) / PackedGemm.KMultiple * PackedGemm.KMultiple);

    /// <summary>Writes A of <paramref name="p"/> (all <paramref name="slices"/>) packed k-major and zero-padded into <paramref name="dest"/>.</summary>
    public static void PackA<TProblem>(GpuDevice d, TProblem p, int slices, ArrayView<float> dest) where TProblem : struct, IGemmProblem
    {
        var (mp, kp) = PackedSizes(p.M, p.K);
        long count = (long)slices * mp * kp;
        if (count > int.MaxValue) throw new NotSupportedException($"packed operand of {count} floats exceeds the 2^31 limit of one launch");
        Elements(d, PackedGemm.PackA<TProblem>, (int)count, new PackAArgs<TProblem> { P = p, APacked = dest, Mp = mp, Kp = kp });
    }

    /// <summary>
    /// Runs <paramref name="p"/> on the register-tiled kernels. <paramref name="aPacked"/> is A already
    /// packed by <see cref="PackA{TProblem}"/> (convolution weights, packed once per session); null packs
    /// it now into a scratch buffer (Gemm/MatMul operands that change every run).
    /// </summary>
    public static void Packed<TProblem>(GpuDevice d, TProblem p, int slices, ArrayView<float>? aPacked = null)
        where TProblem : struct, IPackedGemmProblem
    {
        if (p.M <= 0 || p.N <= 0 || slices <= 0) return;
        var (mp, kp) = PackedSizes(p.M, p.K);
        ArrayView<float> a;
        if (aPacked is { } given) a = given;
        else
        {
            a = d.Scratch((long)slices * mp * kp, 1);
            PackA(d, p, slices, a);
        }
        var tile = d.Tiles.PickPacked(p.M, p.N, slices);
        int splits = d.Tiles.SplitKPacked(p.M, p.N, p.K, slices, tile);
        int chunk = kp;
        if (splits > 1)
        {
            chunk = (kp / splits + PackedGemm.KMultiple - 1) / PackedGemm.KMultiple * PackedGemm.KMultiple;
            chunk = Math.Max(chunk, PackedGemm.KMultiple);
            splits = (kp + chunk - 1) / chunk;
        }
        var args = new PackedGemmArgs<TProblem>
        {
            P = p, APacked = a, Mp = mp, Kp = kp, Splits = splits, Chunk = chunk,
            Partial = splits > 1 ? d.Scratch((long)slices * splits * p.M * p.N) : a,
        };
        var (tm, tn) = TileConfig.Shape(tile);
        var grid = new Index3D((p.N + tn - 1) / tn, (p.M + tm - 1) / tm, slices * splits);
        switch (tile)
        {
            case PackedTile.T128x128: Groups(d, PackedGemm.Gemm128x128<TProblem>, grid, 256, args); break;
            case PackedTile.T128x64: Groups(d, PackedGemm.Gemm128x64<TProblem>, grid, 128, args); break;
            case PackedTile.T64x128: Groups(d, PackedGemm.Gemm64x128<TProblem>, grid, 128, args); break;
            case PackedTile.T64x64: Groups(d, PackedGemm.Gemm64x64<TProblem>, grid, 64, args); break;
            case PackedTile.T32x32: Groups(d, PackedGemm.Gemm32x32<TProblem>, grid, 16, args); break;
            default: Groups(d, PackedGemm.GemmSim64<TProblem>, grid, 16, args); break;
        }
        if (splits > 1)
        {
            var split = new SplitKProblem<TProblem> { Inner = p, Partial = args.Partial, Splits = splits, Chunk = chunk };
            Elements(d, GemmEngine.ReduceSplitK<TProblem>, slices * p.M * p.N, new SplitKReduceArgs<TProblem> { Split = split });
        }
    }

    private static string Key(MethodInfo m) =>
        m.DeclaringType!.FullName + "." + m.Name + (m.IsGenericMethod ? "<" + string.Join(",", m.GetGenericArguments().Select(TypeName)) + ">" : "");

    /// <summary>A type's name with its generic arguments (SplitKProblem&lt;ConvProblem&gt;), so kernel keys and names are unique.</summary>
    internal static string TypeName(Type t) =>
        t.IsGenericType ? t.Name[..t.Name.IndexOf('`')] + "<" + string.Join(",", t.GetGenericArguments().Select(TypeName)) + ">" : t.Name;
}

/// <summary>
/// Marks a device kernel entry point kept in its op's host kernel file, so <see cref="KernelCatalog"/>
/// (the PTX tests, <c>kv kernels</c>) finds it without a list to edit.
/// </summary>
[AttributeUsage(AttributeTargets.Method)]
public sealed class DeviceKernelAttribute : Attribute
{
    /// <summary>True for kernels launched with explicit groups (<see cref="Launch.Groups"/>), false for implicitly grouped ones.</summary>
    public bool Explicit { get; init; }
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
        var reduce = typeof(GemmEngine).GetMethod(nameof(GemmEngine.ReduceSplitK))!;
        foreach (var problem in new[] { typeof(ConvProblem), typeof(ConvPhaseProblem), typeof(DenseProblem), typeof(MatMulProblem) })
        {
            foreach (var (name, _, _, _, _) in PackedGemm.Tiles)
                yield return Item(typeof(PackedGemm).GetMethod(name)!.MakeGenericMethod(problem), true);
            yield return Item(typeof(PackedGemm).GetMethod(nameof(PackedGemm.PackA))!.MakeGenericMethod(problem), false);
        }
        foreach (var problem in new[] { typeof(ConvProblem), typeof(ConvPhaseProblem), typeof(DenseProblem), typeof(MatMulProblem) })
            yield return Item(reduce.MakeGenericMethod(problem), false);
        // Kernels that live beside their op's host kernel declare themselves, so adding an op edits no list here.
        foreach (var type in typeof(KernelCatalog).Assembly.GetTypes())
            foreach (var m in type.GetMethods(BindingFlags.Public | BindingFlags.Static))
                if (m.GetCustomAttribute<DeviceKernelAttribute>() is { } a) yield return Item(m, a.Explicit);
    }

    /// <summary>True for the conv/GEMM engine's main kernels: the ones the PTX gate applies to (not the split-K reduction).</summary>
    public static bool IsGemmEngine(MethodInfo m) =>
        m.DeclaringType == typeof(PackedGemm) && PackedGemm.Tiles.Any(t => t.Name == m.Name);

    private static (string, MethodInfo, bool) Item(MethodInfo m, bool isExplicit) =>
        (m.Name + (m.IsGenericMethod ? "<" + string.Join(",", m.GetGenericArguments().Select(Launch.TypeName)) + ">" : ""), m, isExplicit);
}
