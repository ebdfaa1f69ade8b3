using KernelVision.Graph;
using Xunit;
using static KernelVision.Gpu.Tests.GpuCheck;

namespace KernelVision.Gpu.Tests.Kernels.Elementwise;

/// <summary>HardSigmoidGpu on the simulated GPU against Reference.</summary>
public class HardSigmoidGpuTests
{
    [Fact]
    public void MatchesReference() => Same("HardSigmoid", [Random(52, 3, 7, 5)], [Attr.Float("alpha", 0.3f), Attr.Float("beta", 0.4f)]);
}
