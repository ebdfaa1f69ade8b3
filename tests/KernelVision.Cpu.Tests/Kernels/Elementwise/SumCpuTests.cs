using KernelVision.Tensors;
using Xunit;
using static KernelVision.Cpu.Tests.CpuVsReference;

namespace KernelVision.Cpu.Tests.Kernels.Elementwise;

public class SumCpuTests
{
    [Fact]
    public void SumOfSeveralBroadcastInputs()
    {
        var rng = new Random(23);
        Check("Sum", [Random(rng, [2, 3, 4])], exact: true);
        Check("Sum", [Random(rng, [2, 3, 4]), Random(rng, [2, 3, 4])], exact: true);
        Check("Sum", [Random(rng, [2, 8, 64, 65]), Random(rng, [2, 8, 64, 65]), Random(rng, [2, 8, 64, 65])]);
        Check("Sum", [Random(rng, [4]), Random(rng, [4]), Random(rng, [3, 1]), Random(rng, [2, 1, 1])]);
        Check("Sum", [Random(rng, [3, 4]), Random(rng, [4]), Random(rng, [3, 4])], opset: 8);
        Check("Sum", [Random(rng, [3, 4]), Random(rng, [3, 4]), Random(rng, [3, 4])], opset: 6);
    }
}
