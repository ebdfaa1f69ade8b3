using KernelVision.Backends;
using KernelVision.Backends.Reference;
using KernelVision.Cpu.Threading;
using KernelVision.Ops;
using KernelVision.Tensors;

namespace KernelVision.Cpu;

/// <summary>
/// Base class of every Cpu kernel: <c>[BackendKernel("cpu")] public sealed class XCpu(X op) : CpuKernel&lt;X&gt;(op)</c>.
/// A kernel computes the element types it declares (<see cref="Computes"/>, float32 unless it
/// says otherwise) in <see cref="Compute"/>; a run it does not take (<see cref="Handles"/>) goes to
/// the op's Reference kernel, which this base creates once, on first need (<see cref="RunReference"/>).
/// <see cref="CpuBackend"/> hands the kernel its <see cref="Pool"/> right after creating it.
/// </summary>
public abstract class CpuKernel<TOp>(TOp op) : Kernel<TOp>(op), ICpuKernel where TOp : Op
{
    private IKernel? _reference;

    /// <summary>The threads to run on; <see cref="CpuThreadPool.Serial"/> until a backend attaches its pool.</summary>
    protected CpuThreadPool Pool { get; private set; } = CpuThreadPool.Serial;

    void ICpuKernel.Attach(CpuThreadPool pool) => Pool = pool;

    /// <inheritdoc/>
    public sealed override void Run(IReadOnlyList<Tensor?> inputs, IReadOnlyList<Tensor?> outputs)
    {
        if (Handles(inputs, outputs)) Compute(inputs, outputs);
        else RunReference(inputs, outputs);
    }

    /// <summary>Runs the op on a run that <see cref="Handles"/> accepted.</summary>
    protected abstract void Compute(IReadOnlyList<Tensor?> inputs, IReadOnlyList<Tensor?> outputs);

    /// <summary>
    /// The element types the kernel computes itself: float32 unless overridden. Other types (float64,
    /// integers: rare in CNN graphs, mostly constant-folded) are not worth a second code path.
    /// </summary>
    protected virtual bool Computes(DataType type) => type == DataType.Float32;

    /// <summary>
    /// Whether <see cref="Compute"/> takes this run: by default when the data, input 0, is of a type
    /// the kernel <see cref="Computes"/> (the other inputs are indices, shapes or bounds, or share its
    /// type). Kernels that also leave an attribute value, a mode or a second operand's type to the
    /// Reference kernel say so here.
    /// </summary>
    protected virtual bool Handles(IReadOnlyList<Tensor?> inputs, IReadOnlyList<Tensor?> outputs) =>
        inputs.Count == 0 || inputs[0] is not { } x || Computes(x.Type);

    /// <summary>Runs the op on its Reference kernel, the one fallback of every Cpu kernel.</summary>
    protected void RunReference(IReadOnlyList<Tensor?> inputs, IReadOnlyList<Tensor?> outputs) =>
        (_reference ??= ReferenceEvaluator.KernelFor(Op)).Run(inputs, outputs);
}

/// <summary>Lets <see cref="CpuBackend"/> configure the kernels it creates.</summary>
internal interface ICpuKernel
{
    void Attach(CpuThreadPool pool);
}
