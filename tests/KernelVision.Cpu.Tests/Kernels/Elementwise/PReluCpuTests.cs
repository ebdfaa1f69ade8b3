using KernelVision.Tensors;
using Xunit;
using static KernelVision.Cpu.Tests.CpuVsReference;

namespace KernelVision.Cpu.Tests.Kernels.Elementwise;

public class PReluCpuTests
{
    [Fact]
    public void PReluBroadcastsSlope()
    {
        var rng = new Random(13);
        var x = Random(rng, [2, 5, 7, 9]);
        Check("PRelu", [x, Random(rng, [5, 1, 1])], exact: true);
        Check("PRelu", [x, Random(rng, [1])], exact: true);
        Check("PRelu", [x, Random(rng, [2, 5, 7, 9])], exact: true);
        Check("PRelu", [x, Random(rng, [9])], exact: true);
        Check("PRelu", [x, Random(rng, [5])], opset: 6, exact: true); // legacy per-channel slope
        var big = Random(rng, [1, 16, 64, 65]);
        Check("PRelu", [big, Random(rng, [16, 1, 1])], exact: true);
    }
}
