using ILGPU;
using KernelVision.Gpu.Device;
using KernelVision.Gpu.Runtime;
using KernelVision.Tensors;

namespace KernelVision.Gpu.Kernels.Neural;

/// <summary>Global pools: one group per (n, c) plane with a group reduction.</summary>
internal static class GlobalPoolSetup
{
    public static void Run(GpuDevice d, ArrayView<float> x, ArrayView<float> y, Tensor input, bool max)
    {
        int rows = input.Shape[0] * input.Shape[1];
        int plane = ShapeUtil.Product(input.Shape, 2, input.Rank);
        if (rows == 0) return;
        if (plane == 0) throw new UnsupportedException("global pooling over an empty plane");
        Launch.Groups(d, NeuralKernels.GlobalPool, new Index3D(rows, 1, 1), d.Tiles.ReduceGroupSize,
            new RowArgs { X = x, Y = y, Length = plane, Inner = 1, Flag = max ? 1 : 0, Scale = x, Shift = x, Channels = 1 });
    }
}
