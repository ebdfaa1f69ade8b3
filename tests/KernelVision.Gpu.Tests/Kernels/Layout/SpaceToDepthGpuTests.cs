using KernelVision.Graph;
using Xunit;
using static KernelVision.Gpu.Tests.GpuCheck;

namespace KernelVision.Gpu.Tests.Kernels.Layout;

/// <summary>SpaceToDepthGpu (6-d gather) on the simulated GPU against Reference.</summary>
public class SpaceToDepthGpuTests
{
    [Fact]
    public void Blocksize2() => Same("SpaceToDepth", [Random(68, 1, 2, 4, 6)], [Attr.Int("blocksize", 2)]);
}
