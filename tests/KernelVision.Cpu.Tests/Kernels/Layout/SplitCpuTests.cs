using KernelVision.Graph;
using KernelVision.Tensors;
using Xunit;
using static KernelVision.Cpu.Tests.CpuVsReference;
using static KernelVision.Cpu.Tests.Kernels.Layout.LayoutCheck;

namespace KernelVision.Cpu.Tests.Kernels.Layout;

public class SplitCpuTests
{
    [Fact]
    public void SplitCutsAlongEveryAxis()
    {
        var rng = new Random(3);
        var x = Random(rng, [4, 6, 8, 10]);
        foreach (int axis in new[] { 0, 1, 2, 3, -2 })
            Exact("Split", [x], [Attr.Int("axis", axis)], outputs: 2);
        Exact("Split", [x, Tensor.Vector(1, 0, 5)], [Attr.Int("axis", 1)], outputs: 3, opset: 13);
        Exact("Split", [x], [Attr.Int("axis", 3), Attr.Ints("split", 3, 7)], outputs: 2, opset: 11);
        Exact("Split", [x], [Attr.Int("axis", 2), Attr.Int("num_outputs", 3)], outputs: 3, opset: 18);
        Exact("Split", [RandomInts(rng, DataType.Int64, [3, 9], 0, 99)], [Attr.Int("axis", 1)], outputs: 3);
        Exact("Split", [Bools(rng, [6, 2])], outputs: 3);
        Exact("Split", [Random(rng, [1, 192, 56, 56])], [Attr.Int("axis", 1)], outputs: 3);
    }
}
