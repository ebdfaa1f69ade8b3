using KernelVision.Backends;
using KernelVision.Gpu.Device;
using KernelVision.Gpu.Runtime;
using KernelVision.Ops.Elementwise;
using KernelVision.Tensors;

namespace KernelVision.Gpu.Kernels.Elementwise;

/// <summary>PRelu: slope broadcast onto X.</summary>
[BackendKernel("gpu")]
public sealed class PReluGpu(PRelu op) : GpuKernel<PRelu>(op)
{
    /// <inheritdoc/>
    protected override void Execute(IReadOnlyList<Tensor?> inputs, IReadOnlyList<Tensor?> outputs)
    {
        var x = inputs[0]!;
        var y = outputs[0]!;
        var dims = AllFloat(inputs, outputs) ? Broadcast.Of(y.Shape, x.Shape, Op.AlignedSlopeShape(x.Shape, inputs[1]!.Shape)) : null;
        if (dims is null) { RunOnHost(inputs, outputs); return; }
        var args = new BinaryArgs { A = In(inputs, 0), B = Param(inputs, 1), Y = Out(outputs, 0), Dims = dims.Value, Code = (int)BinaryCode.PRelu };
        Launch.Elements(Device, ElementwiseKernels.Binary, y.Length, args);
        Done(outputs);
    }
}
