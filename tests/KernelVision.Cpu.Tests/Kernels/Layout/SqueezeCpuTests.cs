using KernelVision.Graph;
using KernelVision.Tensors;
using Xunit;
using static KernelVision.Cpu.Tests.CpuVsReference;
using static KernelVision.Cpu.Tests.Kernels.Layout.LayoutCheck;

namespace KernelVision.Cpu.Tests.Kernels.Layout;

public class SqueezeCpuTests
{
    [Fact]
    public void SqueezeCopies()
    {
        var rng = new Random(1);
        foreach (var x in AllTypes(rng, [2, 3, 1, 4]).Append(Random(rng, [4, 64, 1, 1056])))
        {
            Exact("Squeeze", [x, Tensor.Vector(2)], opset: 13);
            Exact("Squeeze", [x], [Attr.Ints("axes", 2)], opset: 11);
        }
    }
}
