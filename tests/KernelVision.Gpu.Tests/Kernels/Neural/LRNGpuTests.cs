using KernelVision.Graph;
using Xunit;
using static KernelVision.Gpu.Tests.GpuCheck;

namespace KernelVision.Gpu.Tests.Kernels.Neural;

/// <summary>LRNGpu on the simulated GPU against Reference.</summary>
public class LRNGpuTests
{
    [Fact]
    public void MatchesReference() =>
        Same("LRN", [Random(31, 1, 7, 3, 4)], [Attr.Int("size", 3), Attr.Float("alpha", 0.01f), Attr.Float("beta", 0.75f), Attr.Float("bias", 2f)]);
}
