using KernelVision.Graph;
using KernelVision.Tensors;
using Xunit;
using static KernelVision.Cpu.Tests.CpuVsReference;
using static KernelVision.Cpu.Tests.Kernels.Layout.LayoutCheck;

namespace KernelVision.Cpu.Tests.Kernels.Layout;

public class DepthToSpaceCpuTests
{
    [Fact]
    public void DepthToSpaceInBothModes()
    {
        var rng = new Random(7);
        foreach (var x in AllTypes(rng, [2, 8, 3, 5]))
        {
            Exact("DepthToSpace", [x], [Attr.Int("blocksize", 2), Attr.String("mode", "DCR")]);
            Exact("DepthToSpace", [x], [Attr.Int("blocksize", 2), Attr.String("mode", "CRD")]);
        }
        Exact("DepthToSpace", [Random(rng, [1, 18, 4, 4])], [Attr.Int("blocksize", 3), Attr.String("mode", "CRD")]);
        Exact("DepthToSpace", [Random(rng, [1, 64, 40, 40])], [Attr.Int("blocksize", 4)]);
    }
}
