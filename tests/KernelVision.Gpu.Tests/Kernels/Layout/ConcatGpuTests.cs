using KernelVision.Graph;
using Xunit;
using static KernelVision.Gpu.Tests.GpuCheck;

namespace KernelVision.Gpu.Tests.Kernels.Layout;

/// <summary>ConcatGpu (one strided copy per input) on the simulated GPU against Reference.</summary>
public class ConcatGpuTests
{
    [Fact]
    public void AlongInnerAndLastAxis()
    {
        var x = Random(62, 2, 3, 4, 5);
        Same("Concat", [x, Random(63, 2, 2, 4, 5), Random(64, 2, 1, 4, 5)], [Attr.Int("axis", 1)]);
        Same("Concat", [x, Random(65, 2, 3, 4, 1)], [Attr.Int("axis", -1)]);
    }
}
