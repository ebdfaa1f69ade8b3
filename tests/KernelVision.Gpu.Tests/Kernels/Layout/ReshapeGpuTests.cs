using KernelVision.Tensors;
using Xunit;
using static KernelVision.Gpu.Tests.GpuCheck;

namespace KernelVision.Gpu.Tests.Kernels.Layout;

/// <summary>ReshapeGpu (device copy) on the simulated GPU against Reference.</summary>
public class ReshapeGpuTests
{
    [Fact]
    public void InferredDim() => Same("Reshape", [Random(62, 2, 3, 4, 5), Tensor.Vector(6, -1)]);
}
