using KernelVision.Backends;
using KernelVision.Gpu.Device;
using KernelVision.Ops.Elementwise;
using KernelVision.Tensors;

namespace KernelVision.Gpu.Kernels.Elementwise;

/// <summary>Elu.</summary>
[BackendKernel("gpu")]
public sealed class EluGpu(Elu op) : UnaryGpuBase<Elu>(op)
{
    /// <inheritdoc/>
    protected override (UnaryCode, float, float)? Function(IReadOnlyList<Tensor?> inputs) => (UnaryCode.Elu, Op.Alpha, 0);
}
