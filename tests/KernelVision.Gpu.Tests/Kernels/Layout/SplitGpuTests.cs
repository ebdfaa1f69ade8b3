using KernelVision.Graph;
using KernelVision.Tensors;
using Xunit;
using static KernelVision.Gpu.Tests.GpuCheck;

namespace KernelVision.Gpu.Tests.Kernels.Layout;

/// <summary>SplitGpu (one strided copy per output) on the simulated GPU against Reference.</summary>
public class SplitGpuTests
{
    [Fact]
    public void BySizes() => Same("Split", [Random(62, 2, 3, 4, 5), Tensor.Vector(2, 3)], [Attr.Int("axis", 3)], outputs: 2);
}
