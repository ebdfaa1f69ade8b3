using KernelVision.Backends;
using KernelVision.Ops.Layout;
using KernelVision.Tensors;

namespace KernelVision.Cpu.Kernels.Layout;

/// <summary>Flatten keeps the row-major element order: a straight (parallel when large) copy, any element type.</summary>
[BackendKernel("cpu")]
public sealed class FlattenCpu(Flatten op) : CopyKernel<Flatten>(op)
{
    /// <inheritdoc/>
    protected override void Compute(IReadOnlyList<Tensor?> inputs, IReadOnlyList<Tensor?> outputs) => DataCopy.Copy(Pool, inputs[0]!, outputs[0]!);
}
