using KernelVision.Backends;
using KernelVision.Cpu.Threading;
using KernelVision.Ops;

namespace KernelVision.Cpu;

/// <summary>
/// The fast CPU backend: hand-written SIMD kernels in managed C# (System.Runtime.Intrinsics), a
/// persistent thread pool, packed-panel GEMM. Ops without a Cpu kernel run on the Reference
/// kernels (the session's fallback).
/// </summary>
public sealed class CpuBackend : IBackend
{
    private static readonly KernelRegistry Registry = new("cpu", typeof(CpuBackend).Assembly);

    /// <summary>Creates the backend on <paramref name="threads"/> threads (shared pool of that size).</summary>
    public CpuBackend(int threads)
    {
        if (threads < 1) throw new InputException($"--threads must be at least 1, got {threads}");
        Pool = CpuThreadPool.Shared(threads);
        Gemm.MicrokernelWarmup.Start();
    }

    /// <summary>Creates the backend on <see cref="DefaultThreads"/> threads.</summary>
    public CpuBackend() : this(DefaultThreads) { }

    /// <summary>
    /// Threads used by <c>BackendFactory.Create("cpu")</c>: the KV_THREADS environment variable if
    /// set, else Environment.ProcessorCount; a front end (the CLI's --threads) may set it.
    /// </summary>
    public static int DefaultThreads
    {
        get => _defaultThreads;
        set => _defaultThreads = value >= 1 ? value : throw new InputException($"--threads must be at least 1, got {value}");
    }

    private static int _defaultThreads =
        int.TryParse(Environment.GetEnvironmentVariable("KV_THREADS"), out int t) && t >= 1 ? t : Environment.ProcessorCount;

    /// <summary>Makes "cpu" available to <see cref="BackendFactory"/>. Idempotent; runs by itself when the assembly loads.</summary>
    public static void Register() => BackendFactory.Register("cpu", () => new CpuBackend());

    // The core finds this assembly by name and runs this initializer (BackendFactory.Probe); a host
    // that touches any Cpu type first gets the same registration. No call is needed either way.
#pragma warning disable CA2255 // module initializer in a library: registering the backend is its purpose
    [System.Runtime.CompilerServices.ModuleInitializer]
    internal static void RegisterOnLoad() => Register();
#pragma warning restore CA2255

    /// <inheritdoc/>
    public string Name => "cpu";

    /// <summary>The threads kernels run on.</summary>
    public CpuThreadPool Pool { get; }

    /// <summary>Number of threads.</summary>
    public int Threads => Pool.ThreadCount;

    /// <inheritdoc/>
    public IKernel? CreateKernel(Op op)
    {
        var kernel = Registry.Create(op);
        if (kernel is ICpuKernel cpu) cpu.Attach(Pool);
        return kernel;
    }

    /// <summary>Op classes with a Cpu kernel.</summary>
    public static IEnumerable<Type> ImplementedOps => Registry.OpTypes;
}
