using KernelVision.Graph;
using KernelVision.Tensors;
using Xunit;
using static KernelVision.Cpu.Tests.CpuVsReference;

namespace KernelVision.Cpu.Tests.Elementwise;

public class ElementwiseCpuTests
{
    /// <summary>Ragged sizes (vector tails of every length) and one big enough to be split across threads.</summary>
    private static readonly int[][] Shapes = [[1], [7], [9], [33], [3, 5, 17], [2, 8, 64, 65]];

    [Theory]
    [InlineData("Relu", -3f, 3f)]
    [InlineData("Sigmoid", -12f, 12f)]
    [InlineData("Tanh", -6f, 6f)]
    [InlineData("HardSwish", -5f, 5f)]
    [InlineData("Erf", -5f, 5f)]
    [InlineData("Sqrt", 0f, 9f)]
    [InlineData("Exp", -20f, 20f)]
    public void UnaryMatchesReference(string op, float lo, float hi)
    {
        var rng = new Random(op.Length);
        foreach (var shape in Shapes) Check(op, [Random(rng, shape, lo, hi)]);
    }

    [Fact]
    public void ErfIsAccurateAcrossBranchesAndSpecialValues()
    {
        float[] v = [0f, -0f, 1e-6f, -1e-3f, 0.4999999f, 0.5f, -0.5f, 0.75f, 1f, 2f, -3f, 4f, 9f, -30f,
            float.PositiveInfinity, float.NegativeInfinity, float.NaN];
        Check("Erf", [Tensor.FromFloats([v.Length], v)], rtol: 2e-6);
        var x = new float[4001];
        for (int i = 0; i < x.Length; i++) x[i] = -4f + i * 0.002f;
        Check("Erf", [Tensor.FromFloats([x.Length], x)], rtol: 2e-6);
    }

    [Fact]
    public void ReluKeepsReferenceNaNRuleAndIntegers()
    {
        Check("Relu", [Tensor.FromFloats([10], [float.NaN, -1, 2, float.NegativeInfinity, float.PositiveInfinity, -0f, 0, 3, -4, float.NaN])], exact: true);
        var rng = new Random(5);
        Check("Relu", [RandomInts(rng, DataType.Int32, [3, 11], -50, 50)], exact: true);
        var d = Tensor.Zeros(DataType.Float64, [5]);
        for (int i = 0; i < 5; i++) d.Doubles[i] = i - 2.5;
        Check("Relu", [d], exact: true);
    }

    [Fact]
    public void ParameterisedActivationsMatchReference()
    {
        var rng = new Random(11);
        foreach (var shape in Shapes)
        {
            var x = Random(rng, shape, -6, 6);
            Check("LeakyRelu", [x], [Attr.Float("alpha", 0.13f)]);
            Check("LeakyRelu", [x]);
            Check("Elu", [x], [Attr.Float("alpha", 0.7f)]);
            Check("Selu", [x]);
            Check("Selu", [x], [Attr.Float("alpha", 1.5f), Attr.Float("gamma", 2f)]);
            Check("HardSigmoid", [x]);
            Check("HardSigmoid", [x], [Attr.Float("alpha", 0.3f), Attr.Float("beta", 0.4f)]);
        }
    }

    [Fact]
    public void ClipBoundsFromAttributesAndInputs()
    {
        var rng = new Random(12);
        foreach (var shape in Shapes)
        {
            var x = Random(rng, shape, -10, 10);
            Check("Clip", [x], [Attr.Float("min", -1.5f), Attr.Float("max", 6f)], opset: 6, exact: true);
            Check("Clip", [x], opset: 6, exact: true);
            Check("Clip", [x, Tensor.Scalar(0), Tensor.Scalar(6)], opset: 13, exact: true);
            Check("Clip", [x, null, Tensor.Scalar(2)], opset: 13, exact: true);
            Check("Clip", [x, Tensor.Scalar(-2)], opset: 13, exact: true);
            Check("Clip", [x, Tensor.Scalar(3), Tensor.Scalar(1)], opset: 13, exact: true); // lo > hi gives hi
        }
        Check("Clip", [RandomInts(rng, DataType.Int64, [20], -9, 9), Tensor.Vector(-2), Tensor.Vector(3)], opset: 13, exact: true);
    }

    [Fact]
    public void PReluBroadcastsSlope()
    {
        var rng = new Random(13);
        var x = Random(rng, [2, 5, 7, 9]);
        Check("PRelu", [x, Random(rng, [5, 1, 1])], exact: true);
        Check("PRelu", [x, Random(rng, [1])], exact: true);
        Check("PRelu", [x, Random(rng, [2, 5, 7, 9])], exact: true);
        Check("PRelu", [x, Random(rng, [9])], exact: true);
        Check("PRelu", [x, Random(rng, [5])], opset: 6, exact: true); // legacy per-channel slope
        var big = Random(rng, [1, 16, 64, 65]);
        Check("PRelu", [big, Random(rng, [16, 1, 1])], exact: true);
    }

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

    [Fact]
    public void SumOfSeveralBroadcastInputs()
    {
        var rng = new Random(23);
        Check("Sum", [Random(rng, [2, 3, 4])], exact: true);
        Check("Sum", [Random(rng, [2, 3, 4]), Random(rng, [2, 3, 4])], exact: true);
        Check("Sum", [Random(rng, [2, 8, 64, 65]), Random(rng, [2, 8, 64, 65]), Random(rng, [2, 8, 64, 65])]);
        Check("Sum", [Random(rng, [4]), Random(rng, [4]), Random(rng, [3, 1]), Random(rng, [2, 1, 1])]);
        Check("Sum", [Random(rng, [3, 4]), Random(rng, [4]), Random(rng, [3, 4])], opset: 8);
        Check("Sum", [Random(rng, [3, 4]), Random(rng, [3, 4]), Random(rng, [3, 4])], opset: 6);
    }

    public static TheoryData<int[], int, int> SoftmaxCases() => new()
    {
        { [3, 1000], -1, 13 },
        { [2, 3, 17], -1, 13 },
        { [1, 1], 0, 13 },
        { [64, 1001], 1, 13 },
        { [2, 19, 7, 9], 1, 13 },
        { [1, 21, 40, 40], 1, 13 },
        { [3, 5, 6], 0, 13 },
        { [2, 3, 4, 5], 1, 11 },
        { [2, 3, 4, 5], 2, 11 },
        { [2, 3, 4, 5], 0, 11 },
    };

    [Theory]
    [MemberData(nameof(SoftmaxCases))]
    public void SoftmaxAndLogSoftmaxMatchReference(int[] shape, int axis, int opset)
    {
        var rng = new Random(shape.Sum() + axis);
        var x = Random(rng, shape, -8, 8);
        var big = Random(rng, shape, -300, 300); // large logits: the max shift must keep exp finite
        foreach (var op in new[] { "Softmax", "LogSoftmax" })
        {
            Check(op, [x], [Attr.Int("axis", axis)], opset: opset, rtol: 1e-5);
            Check(op, [big], [Attr.Int("axis", axis)], opset: opset, rtol: 1e-5);
        }
    }
}
