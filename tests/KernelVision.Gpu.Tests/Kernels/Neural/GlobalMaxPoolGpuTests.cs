using Xunit;
using static KernelVision.Gpu.Tests.GpuCheck;

namespace KernelVision.Gpu.Tests.Kernels.Neural;

/// <summary>GlobalMaxPoolGpu on the simulated GPU against Reference.</summary>
public class GlobalMaxPoolGpuTests
{
    [Fact]
    public void MatchesReference() => Same("GlobalMaxPool", [Random(23, 1, 3, 6, 5)]);
}
