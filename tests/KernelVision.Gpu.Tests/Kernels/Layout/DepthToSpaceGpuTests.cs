using KernelVision.Graph;
using Xunit;
using static KernelVision.Gpu.Tests.GpuCheck;

namespace KernelVision.Gpu.Tests.Kernels.Layout;

/// <summary>DepthToSpaceGpu (6-d gather) on the simulated GPU against Reference.</summary>
public class DepthToSpaceGpuTests
{
    [Fact]
    public void DefaultModeDcr() => Same("DepthToSpace", [Random(66, 1, 8, 2, 3)], [Attr.Int("blocksize", 2)]);

    [Fact]
    public void ModeCrd() => Same("DepthToSpace", [Random(67, 1, 8, 2, 3)], [Attr.Int("blocksize", 2), Attr.String("mode", "CRD")]);
}
