using KernelVision.Graph;
using KernelVision.Tensors;
using Xunit;
using static KernelVision.Cpu.Tests.CpuVsReference;

namespace KernelVision.Cpu.Tests.Kernels.Neural;

public class InstanceNormalizationCpuTests
{
    [Fact]
    public void InstanceNormalizationMatchesReference()
    {
        var rng = new Random(3);
        foreach (var shape in new[] { new[] { 2, 3, 5, 7 }, [1, 8, 64, 65], [2, 4, 9], [1, 2, 3, 4, 5], [3, 2, 1, 1] })
        {
            int c = shape[1];
            Check("InstanceNormalization", [Random(rng, shape), Random(rng, [c], 0.5f, 2f), Random(rng, [c], -1, 1)], rtol: 2e-5);
            // An offset far larger than the spread: the double accumulation keeps the variance right.
            Check("InstanceNormalization", [Random(rng, shape, 99, 101), Random(rng, [c], 0.5f, 2f), Random(rng, [c], -1, 1)],
                [Attr.Float("epsilon", 1e-3f)], rtol: 2e-5);
        }
    }
}
