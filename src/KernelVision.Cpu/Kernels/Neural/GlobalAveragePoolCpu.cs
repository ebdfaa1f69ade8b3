using KernelVision.Backends;
using KernelVision.Ops.Neural;
using KernelVision.Tensors;

namespace KernelVision.Cpu.Kernels.Neural;

/// <summary>GlobalAveragePool on float32: a vector sum per (n, c) plane, planes spread over the threads.</summary>
[BackendKernel("cpu")]
public sealed class GlobalAveragePoolCpu(GlobalAveragePool op) : CpuKernel<GlobalAveragePool>(op)
{

    /// <inheritdoc/>
    protected override void Compute(IReadOnlyList<Tensor?> inputs, IReadOnlyList<Tensor?> outputs)
    {
        var x = inputs[0]!;
        GlobalPoolPlanes.Reduce(Pool, x, outputs[0]!, average: true);
    }
}
