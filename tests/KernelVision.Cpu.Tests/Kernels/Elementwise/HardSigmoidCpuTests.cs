using KernelVision.Graph;
using KernelVision.Tensors;
using Xunit;
using static KernelVision.Cpu.Tests.CpuVsReference;

namespace KernelVision.Cpu.Tests.Kernels.Elementwise;

public class HardSigmoidCpuTests
{
    [Fact]
    public void HardSigmoidMatchesReference()
    {
        var rng = new Random(14);
        foreach (var shape in RaggedShapes)
        {
            var x = Random(rng, shape, -6, 6);
            Check("HardSigmoid", [x]);
            Check("HardSigmoid", [x], [Attr.Float("alpha", 0.3f), Attr.Float("beta", 0.4f)]);
        }
    }
}
