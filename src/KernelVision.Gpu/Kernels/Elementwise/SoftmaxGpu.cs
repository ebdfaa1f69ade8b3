using ILGPU;
using KernelVision.Backends;
using KernelVision.Gpu.Device;
using KernelVision.Gpu.Runtime;
using KernelVision.Ops.Elementwise;
using KernelVision.Tensors;

namespace KernelVision.Gpu.Kernels.Elementwise;

/// <summary>Softmax / LogSoftmax: one group per row, max and sum by group reductions.</summary>
[BackendKernel("gpu")]
public sealed class SoftmaxGpu(Softmax op) : GpuKernel<Softmax>(op)
{
    /// <inheritdoc/>
    protected override void Execute(IReadOnlyList<Tensor?> inputs, IReadOnlyList<Tensor?> outputs)
    {
        var x = inputs[0]!;
        if (!AllFloat(inputs, outputs)) { RunOnHost(inputs, outputs); return; }
        var (outer, length, inner) = Op.Layout(x.Shape);
        if (x.Length == 0) { Done(outputs); return; }
        var args = new RowArgs { X = In(inputs, 0), Y = Out(outputs, 0), Length = length, Inner = inner, Flag = Op.IsLog ? 1 : 0, Scale = default, Shift = default, Channels = 1 };
        args.Scale = args.X;
        args.Shift = args.X;
        Launch.Groups(Device, NeuralKernels.Softmax, new Index3D(outer * inner, 1, 1), Tiles.ReduceGroupSize, args);
        Done(outputs);
    }
}
