using KernelVision.Backends;
using KernelVision.Gpu.Device;
using KernelVision.Ops.Elementwise;
using KernelVision.Tensors;

namespace KernelVision.Gpu.Kernels.Elementwise;

/// <summary>HardSigmoid.</summary>
[BackendKernel("gpu")]
public sealed class HardSigmoidGpu(HardSigmoid op) : UnaryGpuBase<HardSigmoid>(op)
{
    /// <inheritdoc/>
    protected override (UnaryCode, float, float)? Function(IReadOnlyList<Tensor?> inputs) => (UnaryCode.HardSigmoid, Op.Alpha, Op.Beta);
}
