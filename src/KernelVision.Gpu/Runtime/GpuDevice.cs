using System.Collections.Concurrent;
using ILGPU;
using ILGPU.Algorithms;
using ILGPU.Runtime;
using ILGPU.Runtime.CPU;
using ILGPU.Runtime.Cuda;
using ILGPU.Runtime.OpenCL;

namespace KernelVision.Gpu.Runtime;

/// <summary>What <c>kv devices</c> prints for one accelerator ILGPU can see.</summary>
public sealed record AcceleratorSummary(string Type, string Name, long MemoryBytes, int WarpSize, int MaxGroupSize,
    long SharedMemoryPerGroup, int Multiprocessors, bool Usable, string Note);

/// <summary>
/// One ILGPU accelerator opened for KernelVision: the context, the accelerator, its tile
/// configuration, the compiled-kernel cache and the device-memory cache. Opened once per process
/// (<see cref="Hardware"/>, <see cref="Simulator"/>) and shared by every session on it, so each
/// kernel is JIT-compiled once per accelerator.
/// </summary>
public sealed class GpuDevice : IDisposable
{
    private static readonly Lazy<GpuDevice> HardwareDevice = new(OpenHardware, LazyThreadSafetyMode.ExecutionAndPublication);
    private static readonly Lazy<GpuDevice> SimulatorDevice = new(() => OpenSimulator(), LazyThreadSafetyMode.ExecutionAndPublication);
    private readonly ConcurrentDictionary<string, object> _kernels = new(StringComparer.Ordinal);

    /// <summary>The ILGPU context (algorithms library enabled: group/warp reductions, XMath).</summary>
    public Context Context { get; }

    /// <summary>The accelerator kernels run on.</summary>
    public Accelerator Accelerator { get; }

    /// <summary>
    /// When true every kernel waits for its launches to finish before returning: slower, but
    /// per-node wall times (<c>kv profile</c>) are then the kernels' own instead of the launch cost,
    /// with the whole run's device time landing on the node that reads an output back.
    /// </summary>
    public static bool SynchronizeEachKernel { get; set; }

    /// <summary>True for ILGPU's CPU accelerator (the simulator).</summary>
    public bool IsSimulator => Accelerator.AcceleratorType == AcceleratorType.CPU;

    /// <summary>Tile sizes and group sizes chosen for this accelerator (tests may override them to run another variant).</summary>
    public TileConfig Tiles { get; internal set; }

    /// <summary>Host/device copies of tensors (weights uploaded once, activations kept resident).</summary>
    internal DeviceMemory Memory { get; }

    /// <summary>Serialises kernel execution on this accelerator (one stream; sessions may share it).</summary>
    internal object Gate { get; } = new();

    private GpuDevice(Context context, Accelerator accelerator)
    {
        Context = context;
        Accelerator = accelerator;
        Tiles = TileConfig.For(accelerator);
        Memory = new DeviceMemory(accelerator);
    }

    /// <summary>"NVIDIA H100 (Cuda, warp 32, ...)" for messages.</summary>
    public string Describe() =>
        $"{Accelerator.Name} ({Accelerator.AcceleratorType}, warp {Accelerator.WarpSize}, max group {Accelerator.MaxNumThreadsPerGroup}, tiles {Tiles.Name})";

    /// <summary>The process's hardware GPU: the first CUDA device, else the first OpenCL 2.0+ GPU; throws when there is none.</summary>
    public static GpuDevice Hardware => HardwareDevice.Value;

    /// <summary>True when a CUDA device or an OpenCL 2.0+ GPU is there (what <c>--backend auto</c> asks); never throws.</summary>
    public static bool HardwarePresent => HardwareProbe.Value;

    private static readonly Lazy<bool> HardwareProbe = new(() =>
    {
        try
        {
            using var context = Context.Create(b => b.Cuda().OpenCL());
            return Pick(context) is not null;
        }
        catch (Exception e) when (e is not OutOfMemoryException) { return false; }
    });

    /// <summary>The process's simulated GPU (ILGPU CPU accelerator); correct but far slower than a GPU.</summary>
    public static GpuDevice Simulator => SimulatorDevice.Value;

    /// <summary>The CPU device the simulator uses by default: warp 4, groups of 16 threads (small groups keep simulated barriers cheap).</summary>
    public static CPUDevice DefaultSimulatorDevice => CPUDevice.Default;

    /// <summary>Opens a simulator on a given CPU device (tests use a 32-wide, 256-thread one to run the GPU tile configurations).</summary>
    public static GpuDevice OpenSimulator(CPUDevice? device = null)
    {
        var context = Context.Create(b => b.CPU(device ?? DefaultSimulatorDevice).EnableAlgorithms().Optimize(OptimizationLevel.O1));
        var accelerator = context.GetCPUDevice(0).CreateCPUAccelerator(context, CPUAcceleratorMode.Parallel);
        return new GpuDevice(context, accelerator);
    }

    private static GpuDevice OpenHardware()
    {
        Context context;
        try { context = Context.Create(b => b.Cuda().OpenCL().EnableAlgorithms().Optimize(OptimizationLevel.O2)); }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            throw new UnsupportedException($"no GPU accelerator found: ILGPU could not query CUDA/OpenCL ({e.Message}); use --backend gpu-sim to simulate on the CPU");
        }
        var device = Pick(context);
        if (device is null)
        {
            context.Dispose();
            throw new UnsupportedException("no GPU accelerator found (no CUDA device, no OpenCL 2.0+ GPU); use --backend gpu-sim to simulate on the CPU");
        }
        return new GpuDevice(context, device.CreateAccelerator(context));
    }

    /// <summary>The device "gpu" would use: CUDA first, then an OpenCL GPU that ILGPU supports.</summary>
    private static ILGPU.Runtime.Device? Pick(Context context)
    {
        foreach (var d in context.GetCudaDevices()) return d;
        foreach (var d in context.GetCLDevices())
            if (IsUsableOpenCL(d)) return d;
        return null;
    }

    private static bool IsUsableOpenCL(CLDevice d) =>
        d.DeviceType == CLDeviceType.CL_DEVICE_TYPE_GPU && d.Capabilities.GenericAddressSpace;

    /// <summary>Every accelerator ILGPU finds (CUDA, OpenCL, CPU), and which one <c>--backend gpu</c> would use.</summary>
    public static List<AcceleratorSummary> Enumerate()
    {
        var list = new List<AcceleratorSummary>();
        using var context = Context.Create(b => b.AllAccelerators());
        var chosen = Pick(context);
        foreach (var d in context)
        {
            bool usable = ReferenceEquals(d, chosen);
            string note = d.AcceleratorType switch
            {
                AcceleratorType.CPU => "simulator: used only with --backend gpu-sim",
                AcceleratorType.OpenCL when d is CLDevice cl && !IsUsableOpenCL(cl)
                    => "not used: ILGPU needs an OpenCL 2.0+ GPU",
                _ when usable => "used by --backend gpu",
                _ => "not used: another device comes first",
            };
            list.Add(new AcceleratorSummary(d.AcceleratorType.ToString(), d.Name, d.MemorySize, d.WarpSize, d.MaxNumThreadsPerGroup,
                d.MaxSharedMemoryPerGroup, d.NumMultiprocessors, usable, note));
        }
        return list;
    }

    /// <summary>A compiled kernel, loaded at its first use on this accelerator and cached under <paramref name="key"/>.</summary>
    internal T Kernel<T>(string key, Func<Accelerator, T> load) where T : class =>
        (T)_kernels.GetOrAdd(key, _ => load(Accelerator));

    private readonly MemoryBuffer1D<float, Stride1D.Dense>?[] _scratch = new MemoryBuffer1D<float, Stride1D.Dense>?[3];

    /// <summary>
    /// A device scratch buffer of at least <paramref name="floats"/> floats, grown on demand: slot 0
    /// holds split-K partial sums, slot 1 the packed A operand of a Gemm/MatMul, slot 2 a conv's
    /// normalised input (a fused BatchNormalization, <c>Conv.InputNormalization</c>). Launches are
    /// stream-ordered under <see cref="Gate"/>, so one buffer per slot serves every kernel; before a
    /// smaller one is replaced the stream is drained, since a kernel still running may read it.
    /// </summary>
    internal ArrayView<float> Scratch(long floats, int slot = 0)
    {
        var s = _scratch[slot];
        if (s is null || s.Length < floats)
        {
            if (s is not null)
            {
                Accelerator.Synchronize();
                s.Dispose();
            }
            _scratch[slot] = s = Accelerator.Allocate1D<float>(Math.Max(floats, 1L << 16));
        }
        return s.View;
    }

    /// <summary>Cache keys of the kernels compiled so far (tests check which engine ran).</summary>
    internal IReadOnlyCollection<string> CompiledKernelKeys => _kernels.Keys.ToList();

    /// <summary>Number of kernels compiled so far (tests check the cache).</summary>
    internal int CompiledKernelCount => _kernels.Count;

    /// <inheritdoc/>
    public void Dispose()
    {
        foreach (var s in _scratch) s?.Dispose();
        Memory.Dispose();
        Accelerator.Dispose();
        Context.Dispose();
    }
}
