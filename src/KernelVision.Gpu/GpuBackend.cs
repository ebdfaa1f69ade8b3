using System.Collections.Concurrent;
using KernelVision.Backends;
using KernelVision.Gpu.Runtime;
using KernelVision.Ops;

namespace KernelVision.Gpu;

/// <summary>
/// The GPU backend: kernels written in C# and JIT-compiled by ILGPU for CUDA or OpenCL ("gpu"), or
/// run on ILGPU's CPU accelerator, which simulates GPU threads ("gpu-sim": correct, slow, for CI).
/// One kernel registry serves both; only the accelerator (and so the tile configuration) differs.
/// <para>
/// Device residency: the backend sees every op of a session when the session creates kernels, so
/// it knows, per value name, whether every consumer is a Gpu kernel. A Gpu kernel's output stays
/// on the device (no copy back) only when it has consumers, all of them are Gpu kernels, and its
/// host tensor is a slice of the planner's arena (graph outputs are separate tensors, so they are
/// always copied back). The record is a union over all sessions built on this backend instance:
/// sharing an instance can only make it copy back more, never less.
/// </para>
/// </summary>
public sealed class GpuBackend : IBackend
{
    private static readonly KernelRegistry Registry = new("gpu", typeof(GpuBackend).Assembly);
    private readonly ConcurrentDictionary<string, ValueUse> _uses = new(StringComparer.Ordinal);

    private sealed class ValueUse
    {
        public int GpuConsumers;
        public bool HostConsumer;
        public bool HostProducer;
    }

    /// <summary>Creates a backend on <paramref name="device"/> named <paramref name="name"/> ("gpu" or "gpu-sim").</summary>
    public GpuBackend(GpuDevice device, string name = "gpu")
    {
        Device = device;
        Name = name;
    }

    /// <summary>Makes "gpu" (CUDA, then OpenCL; a clear error without one) and "gpu-sim" (ILGPU CPU accelerator) available. Idempotent.</summary>
    public static void Register()
    {
        BackendFactory.Register("gpu", () => new GpuBackend(GpuDevice.Hardware, "gpu"), () => GpuDevice.HardwarePresent);
        BackendFactory.Register("gpu-sim", () => new GpuBackend(GpuDevice.Simulator, "gpu-sim"));
    }

    // Registration needs no call: BackendFactory loads this assembly by name when "gpu" is asked for.
#pragma warning disable CA2255 // module initializer in a library: registering the backend is its purpose
    [System.Runtime.CompilerServices.ModuleInitializer]
    internal static void RegisterOnLoad() => Register();
#pragma warning restore CA2255

    /// <inheritdoc/>
    public string Name { get; }

    /// <summary>The accelerator kernels run on.</summary>
    public GpuDevice Device { get; }

    /// <summary>
    /// Copy every output back to the host right after its kernel, so host code may read any
    /// intermediate (set by kv verify, whose observer reads every node's outputs; the session's
    /// observer callback cannot otherwise see values that stay on the device).
    /// </summary>
    public bool SyncEveryOutput { get; set; }

    /// <inheritdoc/>
    public IKernel? CreateKernel(Op op)
    {
        var kernel = Registry.Create(op);
        bool gpu = kernel is IGpuKernel;
        if (kernel is IGpuKernel g) g.Attach(this);
        foreach (var name in op.Node.Inputs)
        {
            if (name.Length == 0) continue;
            var u = _uses.GetOrAdd(name, _ => new ValueUse());
            lock (u)
            {
                if (gpu) u.GpuConsumers++;
                else u.HostConsumer = true;
            }
        }
        if (!gpu)
            foreach (var name in op.Node.Outputs)
                if (name.Length > 0) { var u = _uses.GetOrAdd(name, _ => new ValueUse()); lock (u) u.HostProducer = true; }
        return kernel;
    }

    /// <summary>Op classes with a Gpu kernel.</summary>
    public static IEnumerable<Type> ImplementedOps => Registry.OpTypes;

    /// <summary>Whether the output value <paramref name="name"/> written into <paramref name="t"/> may stay on the device.</summary>
    internal bool KeepOnDevice(string name, KernelVision.Tensors.Tensor t)
    {
        if (SyncEveryOutput || !DeviceMemory.IsArenaSlice(t)) return false;
        if (!_uses.TryGetValue(name, out var u)) return false;
        lock (u) return u.GpuConsumers > 0 && !u.HostConsumer;
    }

    /// <summary>Whether input value <paramref name="name"/> may be cached on the device as an unchanging weight (no host op produces it at run time).</summary>
    internal bool MayCacheParameter(string name)
    {
        if (!_uses.TryGetValue(name, out var u)) return true;
        lock (u) return !u.HostProducer;
    }
}
