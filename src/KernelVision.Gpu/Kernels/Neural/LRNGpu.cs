using KernelVision.Backends;
using KernelVision.Gpu.Device;
using KernelVision.Gpu.Runtime;
using KernelVision.Ops.Neural;
using KernelVision.Tensors;

namespace KernelVision.Gpu.Kernels.Neural;

/// <summary>LRN across channels, one thread per element.</summary>
[BackendKernel("gpu")]
public sealed class LRNGpu(LRN op) : GpuKernel<LRN>(op)
{
    /// <inheritdoc/>
    protected override void Execute(IReadOnlyList<Tensor?> inputs, IReadOnlyList<Tensor?> outputs)
    {
        var x = inputs[0]!;
        if (!AllFloat(inputs, outputs) || x.Rank < 3) { RunOnHost(inputs, outputs); return; }
        var args = new LrnArgs
        {
            X = In(inputs, 0), Y = Out(outputs, 0), C = x.Shape[1], Plane = ShapeUtil.Product(x.Shape, 2, x.Rank),
            Below = (Op.Size - 1) / 2, Above = Op.Size / 2, Size = Op.Size, Alpha = Op.Alpha, Beta = Op.Beta, Bias = Op.Bias,
        };
        Launch.Elements(Device, NeuralKernels.Lrn, x.Length, args);
        Done(outputs);
    }
}
