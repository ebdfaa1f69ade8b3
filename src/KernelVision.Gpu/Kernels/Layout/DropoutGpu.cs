using KernelVision.Backends;
using KernelVision.Ops.Layout;
using KernelVision.Tensors;

namespace KernelVision.Gpu.Kernels.Layout;

/// <summary>Dropout in inference mode (no mask, no training_mode input): a copy.</summary>
[BackendKernel("gpu")]
public sealed class DropoutGpu(Dropout op) : DataCopyGpu<Dropout>(op)
{
    /// <inheritdoc/>
    protected override bool Extra(IReadOnlyList<Tensor?> inputs) => inputs.Count < 3 || inputs[2] is null;
}
