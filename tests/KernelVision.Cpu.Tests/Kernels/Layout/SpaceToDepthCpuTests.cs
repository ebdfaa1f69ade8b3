using KernelVision.Graph;
using KernelVision.Tensors;
using Xunit;
using static KernelVision.Cpu.Tests.CpuVsReference;
using static KernelVision.Cpu.Tests.Kernels.Layout.LayoutCheck;

namespace KernelVision.Cpu.Tests.Kernels.Layout;

public class SpaceToDepthCpuTests
{
    [Fact]
    public void SpaceToDepthMatchesReference()
    {
        var rng = new Random(8);
        foreach (var x in AllTypes(rng, [2, 3, 6, 4]))
            Exact("SpaceToDepth", [x], [Attr.Int("blocksize", 2)]);
        Exact("SpaceToDepth", [Random(rng, [1, 3, 9, 6])], [Attr.Int("blocksize", 3)]);
        Exact("SpaceToDepth", [Random(rng, [1, 16, 128, 128])], [Attr.Int("blocksize", 4)]);
    }
}
