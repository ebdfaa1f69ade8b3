using KernelVision.Backends;
using KernelVision.Gpu.Device;
using KernelVision.Ops.Elementwise;
using KernelVision.Tensors;

namespace KernelVision.Gpu.Kernels.Elementwise;

/// <summary>Selu.</summary>
[BackendKernel("gpu")]
public sealed class SeluGpu(Selu op) : UnaryGpuBase<Selu>(op)
{
    /// <inheritdoc/>
    protected override (UnaryCode, float, float)? Function(IReadOnlyList<Tensor?> inputs) => (UnaryCode.Selu, Op.Alpha, Op.Gamma);
}
