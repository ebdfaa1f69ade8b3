using KernelVision.Backends;
using KernelVision.Gpu.Device;
using KernelVision.Ops.Elementwise;
using KernelVision.Tensors;

namespace KernelVision.Gpu.Kernels.Elementwise;

/// <summary>LeakyRelu.</summary>
[BackendKernel("gpu")]
public sealed class LeakyReluGpu(LeakyRelu op) : UnaryGpuBase<LeakyRelu>(op)
{
    /// <inheritdoc/>
    protected override (UnaryCode, float, float)? Function(IReadOnlyList<Tensor?> inputs) => (UnaryCode.LeakyRelu, Op.Alpha, 0);
}
