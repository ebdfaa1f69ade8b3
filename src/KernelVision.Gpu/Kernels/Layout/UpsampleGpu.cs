using KernelVision.Backends;
using KernelVision.Ops.Layout;
using KernelVision.Tensors;

namespace KernelVision.Gpu.Kernels.Layout;

/// <summary>Upsample (deprecated Resize) on the device.</summary>
[BackendKernel("gpu")]
public sealed class UpsampleGpu(Upsample op) : ResampleGpu<Upsample>(op)
{
    /// <inheritdoc/>
    protected override ResizePlan Plan(IReadOnlyList<Tensor?> inputs) => Op.Plan(inputs);
}
