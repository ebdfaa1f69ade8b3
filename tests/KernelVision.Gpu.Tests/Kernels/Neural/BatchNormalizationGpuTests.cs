using KernelVision.Graph;
using Xunit;
using static KernelVision.Gpu.Tests.GpuCheck;

namespace KernelVision.Gpu.Tests.Kernels.Neural;

/// <summary>BatchNormalizationGpu (inference) on the simulated GPU against Reference.</summary>
public class BatchNormalizationGpuTests
{
    [Fact]
    public void MatchesReference() =>
        Same("BatchNormalization", [Random(24, 2, 3, 5, 7), Random(25, 3), Random(26, 3), Random(27, 3), Positive(28, 3)], [Attr.Float("epsilon", 1e-3f)]);
}
