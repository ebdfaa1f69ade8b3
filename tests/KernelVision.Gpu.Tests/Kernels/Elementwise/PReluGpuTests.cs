using Xunit;
using static KernelVision.Gpu.Tests.GpuCheck;

namespace KernelVision.Gpu.Tests.Kernels.Elementwise;

/// <summary>PReluGpu (slope broadcast onto X) on the simulated GPU against Reference.</summary>
public class PReluGpuTests
{
    [Fact]
    public void SlopeBroadcasts() => Same("PRelu", [Random(54, 2, 3, 4, 5), Random(59, 3, 1, 1)]);
}
