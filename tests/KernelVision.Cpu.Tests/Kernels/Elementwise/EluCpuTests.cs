using KernelVision.Graph;
using KernelVision.Tensors;
using Xunit;
using static KernelVision.Cpu.Tests.CpuVsReference;

namespace KernelVision.Cpu.Tests.Kernels.Elementwise;

public class EluCpuTests
{
    [Fact]
    public void EluMatchesReference()
    {
        var rng = new Random(12);
        foreach (var shape in RaggedShapes)
        {
            var x = Random(rng, shape, -6, 6);
            Check("Elu", [x], [Attr.Float("alpha", 0.7f)]);
            Check("Elu", [x]);
        }
    }
}
