using KernelVision.Graph;
using KernelVision.Tensors;
using Xunit;
using static KernelVision.Cpu.Tests.CpuVsReference;

namespace KernelVision.Cpu.Tests.Kernels.Elementwise;

public class BinaryCpuTests
{
    public static TheoryData<int[], int[]> BroadcastPairs() => new()
    {
        { [2, 8, 64, 65], [2, 8, 64, 65] },
        { [37], [37] },
        { [2, 8, 64, 65], [] },
        { [], [3, 4, 5] },
        { [2, 6, 9, 11], [6, 1, 1] },
        { [2, 6, 9, 11], [1, 6, 1, 1] },
        { [1, 24, 56, 57], [24, 1, 1] },
        { [2, 6, 9, 11], [11] },
        { [2, 6, 9, 11], [2, 1, 9, 11] },
        { [2, 1, 3], [1, 4, 1] },
        { [5, 1], [1, 7] },
        { [1], [3, 1] },
        { [4, 1, 6], [4, 5, 6] },
        { [6, 1, 1], [2, 6, 9, 11] },
        { [3, 1, 5, 1, 2], [1, 4, 1, 3, 2] },
        { [1, 1, 1], [1, 1] },
        { [0, 3], [3] },
    };

    [Theory]
    [MemberData(nameof(BroadcastPairs))]
    public void BinaryOpsBroadcastLikeReference(int[] a, int[] b)
    {
        var rng = new Random(a.Length * 10 + b.Length);
        var ta = Random(rng, a);
        var tb = Random(rng, b);
        foreach (var op in new[] { "Add", "Sub", "Mul" }) Check(op, [ta, tb], exact: true);
        Check("Div", [ta, Random(rng, b, 0.5f, 3f)], exact: true);
        Check("Pow", [Random(rng, a, 0.1f, 3f), Random(rng, b, -2f, 2f)], rtol: 2e-6);
    }

    [Fact]
    public void PowSpecialExponentsAndIntegerExponent()
    {
        var rng = new Random(21);
        var x = Random(rng, [3, 7, 11], -3, 3);
        Check("Pow", [x, Tensor.Scalar(2)], exact: true);
        Check("Pow", [x, Tensor.Scalar(3)], rtol: 2e-6);
        Check("Pow", [Random(rng, [3, 7, 11], 0, 4), Tensor.Scalar(0.5f)], rtol: 2e-6);
        Check("Pow", [x, Tensor.FromInt64s([1], [2])], exact: true);
        Check("Pow", [x, Tensor.FromInt64s([], [3])], rtol: 2e-6);
    }

    [Fact]
    public void DivisionByZeroAndNaNFollowIeee()
    {
        var a = Tensor.FromFloats([6], [1, -1, 0, float.NaN, 5, 2]);
        var b = Tensor.FromFloats([6], [0, 0, 0, 1, float.PositiveInfinity, -0f]);
        Check("Div", [a, b], exact: true);
    }

    [Fact]
    public void LegacyBroadcastAttributesAndIntegerFallback()
    {
        var rng = new Random(22);
        var a = Random(rng, [2, 3, 4, 5]);
        Check("Add", [a, Random(rng, [3])], [Attr.Int("broadcast", 1), Attr.Int("axis", 1)], opset: 6, exact: true);
        Check("Mul", [a, Random(rng, [4, 5])], [Attr.Int("broadcast", 1)], opset: 6, exact: true);
        Check("Sub", [a, Random(rng, [2, 3, 4, 5])], opset: 6, exact: true);
        var i = RandomInts(rng, DataType.Int64, [4, 3], -100, 100);
        var j = RandomInts(rng, DataType.Int64, [3], 1, 9);
        foreach (var op in new[] { "Add", "Sub", "Mul", "Div" }) Check(op, [i, j], exact: true);
        var d = Tensor.Zeros(DataType.Float64, [3]);
        d.Doubles[0] = 1.5; d.Doubles[1] = -2; d.Doubles[2] = 7;
        Check("Add", [d, d], exact: true);
    }
}
