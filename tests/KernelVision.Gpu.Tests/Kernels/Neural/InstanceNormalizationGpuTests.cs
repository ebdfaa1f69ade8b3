using KernelVision.Graph;
using Xunit;
using static KernelVision.Gpu.Tests.GpuCheck;

namespace KernelVision.Gpu.Tests.Kernels.Neural;

/// <summary>InstanceNormalizationGpu on the simulated GPU against Reference.</summary>
public class InstanceNormalizationGpuTests
{
    [Fact]
    public void MatchesReference() =>
        Same("InstanceNormalization", [Random(24, 2, 3, 5, 7), Random(29, 3), Random(30, 3)], [Attr.Float("epsilon", 1e-5f)]);
}
