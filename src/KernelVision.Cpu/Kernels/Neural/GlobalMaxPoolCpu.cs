using KernelVision.Backends;
using KernelVision.Ops.Neural;
using KernelVision.Tensors;

namespace KernelVision.Cpu.Kernels.Neural;

/// <summary>GlobalMaxPool on float32: a vector max per (n, c) plane (NaN propagates, as in the Reference), planes spread over the threads.</summary>
[BackendKernel("cpu")]
public sealed class GlobalMaxPoolCpu(GlobalMaxPool op) : CpuKernel<GlobalMaxPool>(op)
{

    /// <inheritdoc/>
    protected override void Compute(IReadOnlyList<Tensor?> inputs, IReadOnlyList<Tensor?> outputs)
    {
        var x = inputs[0]!;
        GlobalPoolPlanes.Reduce(Pool, x, outputs[0]!, average: false);
    }
}
