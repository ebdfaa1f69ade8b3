using KernelVision.Backends;
using KernelVision.Gpu.Device;
using KernelVision.Ops.Elementwise;
using KernelVision.Tensors;

namespace KernelVision.Gpu.Kernels.Elementwise;

/// <summary>Clip; bounds given as inputs (opset 11+) are scalars read on the host.</summary>
[BackendKernel("gpu")]
public sealed class ClipGpu(Clip op) : UnaryGpuBase<Clip>(op)
{
    /// <inheritdoc/>
    protected override (UnaryCode, float, float)? Function(IReadOnlyList<Tensor?> inputs)
    {
        if (!Op.BoundsAreInputs) return (UnaryCode.Clip, Op.MinAttribute, Op.MaxAttribute);
        float lo = float.NegativeInfinity, hi = float.PositiveInfinity;
        if (inputs.Count > 1 && inputs[1] is { } min) { Device.Memory.EnsureHost(min, Op.Node.Inputs[1]); lo = min.Floats[0]; }
        if (inputs.Count > 2 && inputs[2] is { } max) { Device.Memory.EnsureHost(max, Op.Node.Inputs[2]); hi = max.Floats[0]; }
        return (UnaryCode.Clip, lo, hi);
    }
}
