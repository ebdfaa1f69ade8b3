using KernelVision.Backends;
using KernelVision.Gpu.Device;
using KernelVision.Gpu.Runtime;
using KernelVision.Ops.Elementwise;
using KernelVision.Tensors;

namespace KernelVision.Gpu.Kernels.Elementwise;

/// <summary>Sum of N inputs with broadcasting: a broadcast copy of the first, then in-place adds.</summary>
[BackendKernel("gpu")]
public sealed class SumGpu(Sum op) : GpuKernel<Sum>(op)
{
    /// <inheritdoc/>
    protected override void Execute(IReadOnlyList<Tensor?> inputs, IReadOnlyList<Tensor?> outputs)
    {
        var y = outputs[0]!;
        if (!AllFloat(inputs, outputs) || y.Rank > Shapes.MaxRank || inputs.Any(t => t is null)) { RunOnHost(inputs, outputs); return; }
        var yv = Out(outputs, 0);
        var first = inputs[0]!;
        var copy = new CopyArgs { X = In(inputs, 0), Y = yv, Dims = Shapes.Box(y.Shape, ShapeUtil.BroadcastStrides(first.Shape, y.Rank), ShapeUtil.Strides(y.Shape)) };
        Launch.Elements(Device, ElementwiseKernels.Copy, y.Length, copy);
        for (int i = 1; i < inputs.Count; i++)
        {
            var args = new BinaryArgs { A = yv, B = In(inputs, i), Y = yv, Dims = Broadcast.Of(y.Shape, y.Shape, inputs[i]!.Shape)!.Value, Code = (int)BinaryCode.Add };
            Launch.Elements(Device, ElementwiseKernels.Binary, y.Length, args);
        }
        Done(outputs);
    }
}
