using KernelVision.Graph;
using KernelVision.Tensors;
using Xunit;
using static KernelVision.Cpu.Tests.CpuVsReference;

namespace KernelVision.Cpu.Tests.Kernels.Neural;

public class LRNCpuTests
{
    [Fact]
    public void LrnMatchesReference()
    {
        var rng = new Random(4);
        foreach (var shape in new[] { new[] { 2, 7, 5, 9 }, [1, 16, 40, 41], [2, 5, 11], [1, 3, 2, 2, 3] })
            foreach (int size in new[] { 1, 2, 3, 5, 8 })
            {
                Check("LRN", [Random(rng, shape)], [Attr.Int("size", size)], rtol: 2e-5);
                Check("LRN", [Random(rng, shape, -5, 5)], [Attr.Int("size", size), Attr.Float("alpha", 0.01f),
                    Attr.Float("beta", 0.6f), Attr.Float("bias", 2f)], rtol: 2e-5);
            }
    }
}
