using KernelVision.Graph;
using Xunit;
using static KernelVision.Gpu.Tests.GpuCheck;

namespace KernelVision.Gpu.Tests.Kernels.Elementwise;

/// <summary>EluGpu on the simulated GPU against Reference.</summary>
public class EluGpuTests
{
    [Fact]
    public void MatchesReference() => Same("Elu", [Random(52, 3, 7, 5)], [Attr.Float("alpha", 0.7f)]);
}
