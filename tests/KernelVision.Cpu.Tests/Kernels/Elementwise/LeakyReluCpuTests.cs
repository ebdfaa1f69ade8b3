using KernelVision.Graph;
using KernelVision.Tensors;
using Xunit;
using static KernelVision.Cpu.Tests.CpuVsReference;

namespace KernelVision.Cpu.Tests.Kernels.Elementwise;

public class LeakyReluCpuTests
{
    [Fact]
    public void LeakyReluMatchesReference()
    {
        var rng = new Random(11);
        foreach (var shape in RaggedShapes)
        {
            var x = Random(rng, shape, -6, 6);
            Check("LeakyRelu", [x], [Attr.Float("alpha", 0.13f)]);
            Check("LeakyRelu", [x]);
        }
    }
}
