using KernelVision.Tensors;
using Xunit;
using static KernelVision.Gpu.Tests.GpuCheck;

namespace KernelVision.Gpu.Tests.Kernels.Layout;

/// <summary>UnsqueezeGpu (device copy) on the simulated GPU against Reference.</summary>
public class UnsqueezeGpuTests
{
    [Fact]
    public void AxesInput() => Same("Unsqueeze", [Random(62, 2, 3, 4, 5), Tensor.Vector(0, -1)]);
}
