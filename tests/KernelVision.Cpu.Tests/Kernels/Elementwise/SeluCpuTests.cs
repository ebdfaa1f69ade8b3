using KernelVision.Graph;
using KernelVision.Tensors;
using Xunit;
using static KernelVision.Cpu.Tests.CpuVsReference;

namespace KernelVision.Cpu.Tests.Kernels.Elementwise;

public class SeluCpuTests
{
    [Fact]
    public void SeluMatchesReference()
    {
        var rng = new Random(13);
        foreach (var shape in RaggedShapes)
        {
            var x = Random(rng, shape, -6, 6);
            Check("Selu", [x]);
            Check("Selu", [x], [Attr.Float("alpha", 1.5f), Attr.Float("gamma", 2f)]);
        }
    }
}
