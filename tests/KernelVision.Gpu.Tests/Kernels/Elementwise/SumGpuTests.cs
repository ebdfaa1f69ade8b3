using Xunit;
using static KernelVision.Gpu.Tests.GpuCheck;

namespace KernelVision.Gpu.Tests.Kernels.Elementwise;

/// <summary>SumGpu (N inputs, broadcasting) on the simulated GPU against Reference.</summary>
public class SumGpuTests
{
    [Fact]
    public void ThreeInputsBroadcast() => Same("Sum", [Random(54, 2, 3, 4, 5), Random(60, 5), Random(61, 2, 1, 1, 5)]);
}
