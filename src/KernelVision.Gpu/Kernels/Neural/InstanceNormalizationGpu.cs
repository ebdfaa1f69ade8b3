using ILGPU;
using KernelVision.Backends;
using KernelVision.Gpu.Device;
using KernelVision.Gpu.Runtime;
using KernelVision.Ops.Neural;
using KernelVision.Tensors;

namespace KernelVision.Gpu.Kernels.Neural;

/// <summary>InstanceNormalization: one group per (n, c) plane, two-pass mean/variance with group reductions.</summary>
[BackendKernel("gpu")]
public sealed class InstanceNormalizationGpu(InstanceNormalization op) : GpuKernel<InstanceNormalization>(op)
{
    /// <inheritdoc/>
    protected override void Execute(IReadOnlyList<Tensor?> inputs, IReadOnlyList<Tensor?> outputs)
    {
        var x = inputs[0]!;
        int plane = x.Rank > 2 ? ShapeUtil.Product(x.Shape, 2, x.Rank) : 1;
        if (!AllFloat(inputs, outputs) || x.Rank < 3 || plane == 0) { RunOnHost(inputs, outputs); return; }
        int rows = x.Shape[0] * x.Shape[1];
        var args = new RowArgs
        {
            X = In(inputs, 0), Scale = Param(inputs, 1), Shift = Param(inputs, 2), Y = Out(outputs, 0),
            Length = plane, Inner = 1, Channels = x.Shape[1], Epsilon = Op.Epsilon,
        };
        Launch.Groups(Device, NeuralKernels.InstanceNorm, new Index3D(rows, 1, 1), Tiles.ReduceGroupSize, args);
        Done(outputs);
    }
}
