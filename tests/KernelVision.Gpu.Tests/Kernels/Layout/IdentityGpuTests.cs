using Xunit;
using static KernelVision.Gpu.Tests.GpuCheck;

namespace KernelVision.Gpu.Tests.Kernels.Layout;

/// <summary>IdentityGpu (device copy) on the simulated GPU against Reference.</summary>
public class IdentityGpuTests
{
    [Fact]
    public void Copies() => Same("Identity", [Random(62, 2, 3, 4, 5)]);
}
