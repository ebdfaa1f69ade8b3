using KernelVision.Backends;
using KernelVision.Cpu.Threading;
using KernelVision.Ops;

namespace KernelVision.Cpu;

/// <summary>
/// Base class of Cpu kernels that use threads: <c>[BackendKernel("cpu")] public sealed class XCpu(X op) : CpuKernel&lt;X&gt;(op)</c>.
/// <see cref="CpuBackend"/> hands the kernel its <see cref="Pool"/> right after creating it.
/// (Kernels that need no threads may derive from <see cref="Kernel{TOp}"/> directly.)
/// </summary>
public abstract class CpuKernel<TOp>(TOp op) : Kernel<TOp>(op), ICpuKernel where TOp : Op
{
    /// <summary>The threads to run on; <see cref="CpuThreadPool.Serial"/> until a backend attaches its pool.</summary>
    protected CpuThreadPool Pool { get; private set; } = CpuThreadPool.Serial;

    void ICpuKernel.Attach(CpuThreadPool pool) => Pool = pool;
}

/// <summary>Lets <see cref="CpuBackend"/> configure the kernels it creates.</summary>
internal interface ICpuKernel
{
    void Attach(CpuThreadPool pool);
}
