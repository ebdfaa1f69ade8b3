using Xunit;
using static KernelVision.Gpu.Tests.GpuCheck;

namespace KernelVision.Gpu.Tests.Kernels.Neural;

/// <summary>GlobalAveragePoolGpu on the simulated GPU against Reference.</summary>
public class GlobalAveragePoolGpuTests
{
    [Fact]
    public void MatchesReference() => Same("GlobalAveragePool", [Random(22, 2, 5, 7, 9)]);
}
