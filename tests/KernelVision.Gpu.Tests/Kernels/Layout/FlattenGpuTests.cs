using KernelVision.Graph;
using Xunit;
using static KernelVision.Gpu.Tests.GpuCheck;

namespace KernelVision.Gpu.Tests.Kernels.Layout;

/// <summary>FlattenGpu (device copy) on the simulated GPU against Reference.</summary>
public class FlattenGpuTests
{
    [Fact]
    public void AtAxis2() => Same("Flatten", [Random(62, 2, 3, 4, 5)], [Attr.Int("axis", 2)]);
}
