using KernelVision.Backends;
using KernelVision.Ops.Layout;
using KernelVision.Tensors;

namespace KernelVision.Gpu.Kernels.Layout;

/// <summary>Resize (nearest, linear, cubic, antialias: the plan's taps) on the device.</summary>
[BackendKernel("gpu")]
public sealed class ResizeGpu(Resize op) : ResampleGpu<Resize>(op)
{
    /// <inheritdoc/>
    protected override ResizePlan Plan(IReadOnlyList<Tensor?> inputs) => Op.Plan(inputs);
}
