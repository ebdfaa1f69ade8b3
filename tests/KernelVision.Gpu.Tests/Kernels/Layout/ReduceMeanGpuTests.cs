using KernelVision.Graph;
using KernelVision.Tensors;
using Xunit;
using static KernelVision.Gpu.Tests.GpuCheck;

namespace KernelVision.Gpu.Tests.Kernels.Layout;

/// <summary>ReduceMeanGpu (group reduction per output) on the simulated GPU against Reference.</summary>
public class ReduceMeanGpuTests
{
    [Fact]
    public void KeepDims() => Same("ReduceMean", [Random(62, 2, 3, 4, 5), Tensor.Vector(1, 3)], [Attr.Int("keepdims", 1)]);

    [Fact]
    public void DropDims() => Same("ReduceMean", [Random(62, 2, 3, 4, 5), Tensor.Vector(0, 2, 3)], [Attr.Int("keepdims", 0)]);
}
