using Xunit;
using static KernelVision.Gpu.Tests.GpuCheck;

namespace KernelVision.Gpu.Tests.Kernels.Elementwise;

/// <summary>SeluGpu on the simulated GPU against Reference.</summary>
public class SeluGpuTests
{
    [Fact]
    public void MatchesReference() => Same("Selu", [Random(52, 3, 7, 5)]);
}
