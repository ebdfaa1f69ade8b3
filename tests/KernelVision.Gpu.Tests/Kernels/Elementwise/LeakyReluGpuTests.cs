using KernelVision.Graph;
using Xunit;
using static KernelVision.Gpu.Tests.GpuCheck;

namespace KernelVision.Gpu.Tests.Kernels.Elementwise;

/// <summary>LeakyReluGpu on the simulated GPU against Reference.</summary>
public class LeakyReluGpuTests
{
    [Fact]
    public void MatchesReference() => Same("LeakyRelu", [Random(52, 3, 7, 5)], [Attr.Float("alpha", 0.2f)]);
}
