using KernelVision.Graph;
using KernelVision.Tensors;
using Xunit;
using static KernelVision.Cpu.Tests.CpuVsReference;
using static KernelVision.Cpu.Tests.Kernels.Layout.LayoutCheck;

namespace KernelVision.Cpu.Tests.Kernels.Layout;

public class ConcatCpuTests
{
    [Fact]
    public void ConcatJoinsAlongEveryAxis()
    {
        var rng = new Random(2);
        foreach (int axis in new[] { 0, 1, 2, 3, -1 })
        {
            int a = axis < 0 ? 3 : axis;
            int[] Shape(int n) { int[] s = [2, 3, 4, 5]; s[a] = n; return s; }
            Exact("Concat", [Random(rng, Shape(1)), Random(rng, Shape(3)), Random(rng, Shape(0)), Random(rng, Shape(2))], [Attr.Int("axis", axis)]);
            Exact("Concat", [RandomInts(rng, DataType.Int64, Shape(2), 0, 9), RandomInts(rng, DataType.Int64, Shape(1), 0, 9)], [Attr.Int("axis", axis)]);
            Exact("Concat", [Bools(rng, Shape(2)), Bools(rng, Shape(3))], [Attr.Int("axis", axis)]);
        }
        Exact("Concat", [Random(rng, [1, 64, 56, 56]), Random(rng, [1, 32, 56, 56]), Random(rng, [1, 96, 56, 56])], [Attr.Int("axis", 1)]);
        Exact("Concat", [Random(rng, [4, 3, 100, 30]), Random(rng, [4, 3, 100, 7])], [Attr.Int("axis", 3)]);
        Exact("Concat", [Tensor.Vector(1, 2), Tensor.Vector(3)], [Attr.Int("axis", 0)]);
    }
}
