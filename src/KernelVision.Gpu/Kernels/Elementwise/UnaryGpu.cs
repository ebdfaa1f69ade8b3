using KernelVision.Backends;
using KernelVision.Gpu.Device;
using KernelVision.Ops.Elementwise;
using KernelVision.Tensors;

namespace KernelVision.Gpu.Kernels.Elementwise;

/// <summary>Relu, Sigmoid, Tanh, HardSwish, Erf, Sqrt, Exp.</summary>
[BackendKernel("gpu")]
public sealed class UnaryGpu(UnaryOp op) : UnaryGpuBase<UnaryOp>(op)
{
    /// <inheritdoc/>
    protected override (UnaryCode, float, float)? Function(IReadOnlyList<Tensor?> inputs) => Op.Kind switch
    {
        UnaryKind.Relu => (UnaryCode.Relu, 0, 0),
        UnaryKind.Sigmoid => (UnaryCode.Sigmoid, 0, 0),
        UnaryKind.Tanh => (UnaryCode.Tanh, 0, 0),
        UnaryKind.HardSwish => (UnaryCode.HardSwish, 0, 0),
        UnaryKind.Erf => (UnaryCode.Erf, 0, 0),
        UnaryKind.Sqrt => (UnaryCode.Sqrt, 0, 0),
        UnaryKind.Exp => (UnaryCode.Exp, 0, 0),
        _ => null,
    };
}
