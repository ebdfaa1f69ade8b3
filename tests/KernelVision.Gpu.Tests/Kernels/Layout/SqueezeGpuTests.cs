using KernelVision.Tensors;
using Xunit;
using static KernelVision.Gpu.Tests.GpuCheck;

namespace KernelVision.Gpu.Tests.Kernels.Layout;

/// <summary>SqueezeGpu (device copy) on the simulated GPU against Reference.</summary>
public class SqueezeGpuTests
{
    [Fact]
    public void AxesInput() => Same("Squeeze", [Random(62, 2, 1, 4, 1), Tensor.Vector(1, 3)]);
}
