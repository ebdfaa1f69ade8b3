using KernelVision.Gpu.Device;
using KernelVision.Gpu.Runtime;
using KernelVision.Ops;
using KernelVision.Tensors;

namespace KernelVision.Gpu.Kernels.Elementwise;

/// <summary>Base of the one-input element-wise kernels: a function code and two parameters.</summary>
public abstract class UnaryGpuBase<TOp>(TOp op) : GpuKernel<TOp>(op) where TOp : Op
{
    /// <summary>The device function and its parameters, or null to run on the host.</summary>
    protected abstract (UnaryCode Code, float A, float B)? Function(IReadOnlyList<Tensor?> inputs);

    /// <inheritdoc/>
    protected override void Execute(IReadOnlyList<Tensor?> inputs, IReadOnlyList<Tensor?> outputs)
    {
        var f = AllFloat(inputs, outputs) ? Function(inputs) : null;
        if (f is null) { RunOnHost(inputs, outputs); return; }
        var args = new UnaryArgs { X = In(inputs, 0), Y = Out(outputs, 0), Code = (int)f.Value.Code, A = f.Value.A, B = f.Value.B };
        Launch.Elements(Device, ElementwiseKernels.Unary, outputs[0]!.Length, args);
        Done(outputs);
    }
}
