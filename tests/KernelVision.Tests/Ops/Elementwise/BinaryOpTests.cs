using KernelVision.Execution;
using KernelVision.Graph;
using KernelVision.Tensors;
using Xunit;

namespace KernelVision.Tests.Ops.Elementwise;

public class BinaryOpTests
{
    private static readonly Tensor A23 = Tensor.FromFloats([2, 3], [1, 2, 3, 4, 5, 6]);

    private static Tensor Ints(DataType t, int[] shape, params long[] v) => new(t, shape, v);

    [Fact]
    public void AddBroadcastsTrailingVector()
    {
        var y = OpEvaluator.Run("Add", [A23, Tensor.FromFloats([3], [10, 20, 30])])[0];
        TensorAssert.Close([2, 3], [11, 22, 33, 14, 25, 36], y);
    }

    [Fact]
    public void SubBroadcastsBothWays()
    {
        // [2,1] − [1,3] → [2,3]: y[i,j] = a[i] − b[j]
        var a = Tensor.FromFloats([2, 1], [10, 20]);
        var b = Tensor.FromFloats([1, 3], [1, 2, 3]);
        var y = OpEvaluator.Run("Sub", [a, b])[0];
        TensorAssert.Close([2, 3], [9, 8, 7, 19, 18, 17], y);
    }

    [Fact]
    public void MulAndDivWithScalar()
    {
        TensorAssert.Close([2, 3], [2, 4, 6, 8, 10, 12], OpEvaluator.Run("Mul", [A23, Tensor.Scalar(2)])[0]);
        TensorAssert.Close([2, 3], [0.25f, 0.5f, 0.75f, 1, 1.25f, 1.5f], OpEvaluator.Run("Div", [A23, Tensor.Scalar(4)])[0]);
    }

    [Fact]
    public void FloatDivisionByZeroIsInfinite()
    {
        var y = OpEvaluator.Run("Div", [Tensor.FromFloats([2], [1, -1]), Tensor.FromFloats([2], [0, 0])])[0];
        TensorAssert.Close([2], [float.PositiveInfinity, float.NegativeInfinity], y);
    }

    [Fact]
    public void PowFloat()
    {
        var y = OpEvaluator.Run("Pow", [Tensor.FromFloats([3], [4, 9, 2]), Tensor.FromFloats([3], [0.5f, 0.5f, 3])])[0];
        TensorAssert.Close([3], [2, 3, 8], y);
    }

    [Fact]
    public void PowFloatBaseIntegerExponent()
    {
        var y = OpEvaluator.Run("Pow", [Tensor.FromFloats([2], [2, 3]), Ints(DataType.Int32, [2], 3, 2)])[0];
        TensorAssert.Close([2], [8, 9], y);
    }

    [Fact]
    public void PowIntegerBaseFloatExponentTruncates()
    {
        // 2^0.5 = 1.414… → 1; result keeps the base's type.
        var y = OpEvaluator.Run("Pow", [Ints(DataType.Int64, [2], 2, 3), Tensor.FromFloats([2], [0.5f, 2])])[0]!;
        Assert.Equal(DataType.Int64, y.Type);
        Assert.Equal([1L, 9], y.Int64s.ToArray());
    }

    [Fact]
    public void PowIntegers()
    {
        var y = OpEvaluator.Run("Pow", [Ints(DataType.Int32, [4], 2, -2, 3, 2), Ints(DataType.Int32, [4], 10, 3, 0, -1)])[0]!;
        Assert.Equal([1024L, -8, 1, 0], y.Int64s.ToArray());
    }

    [Fact]
    public void IntegerAddWrapsToType()
    {
        var y = OpEvaluator.Run("Add", [Ints(DataType.Int8, [2], 100, -100), Ints(DataType.Int8, [2], 100, -100)])[0]!;
        Assert.Equal(DataType.Int8, y.Type);
        Assert.Equal([-56L, 56], y.Int64s.ToArray()); // 200 → −56, −200 → 56
    }

    [Fact]
    public void UnsignedSubWraps()
    {
        var y = OpEvaluator.Run("Sub", [Ints(DataType.UInt8, [1], 1), Ints(DataType.UInt8, [1], 2)])[0]!;
        Assert.Equal([255L], y.Int64s.ToArray());
    }

    [Fact]
    public void Int32MulWraps()
    {
        var y = OpEvaluator.Run("Mul", [Ints(DataType.Int32, [2], 65536, 3), Ints(DataType.Int32, [2], 65536, -4)])[0]!;
        Assert.Equal([0L, -12], y.Int64s.ToArray());
    }

    [Fact]
    public void IntegerDivTruncatesTowardZero()
    {
        var y = OpEvaluator.Run("Div", [Ints(DataType.Int32, [4], -3, 3, -3, 3), Ints(DataType.Int32, [4], 2, 2, -2, -2)])[0]!;
        Assert.Equal([-1L, 1, 1, -1], y.Int64s.ToArray());
    }

    [Fact]
    public void IntegerDivOverflowWraps()
    {
        var y = OpEvaluator.Run("Div", [Ints(DataType.Int32, [1], int.MinValue), Ints(DataType.Int32, [1], -1)])[0]!;
        Assert.Equal([(long)int.MinValue], y.Int64s.ToArray());
    }

    [Fact]
    public void UInt64DivIsUnsigned()
    {
        // 2^64 − 2 is stored as the long −2; halved it is 2^63 − 1.
        var y = OpEvaluator.Run("Div", [Ints(DataType.UInt64, [1], -2), Ints(DataType.UInt64, [1], 2)])[0]!;
        Assert.Equal([long.MaxValue], y.Int64s.ToArray());
    }

    [Fact]
    public void IntegerDivisionByZeroThrows()
    {
        Assert.Throws<KernelVisionException>(() => OpEvaluator.Run("Div", [Tensor.Vector(1), Tensor.Vector(0)]));
    }

    [Fact]
    public void Int64ShapeArithmetic()
    {
        var y = OpEvaluator.Run("Mul", [Tensor.Vector(2, 3, 4), Tensor.Vector(5)])[0]!;
        Assert.Equal(DataType.Int64, y.Type);
        Assert.Equal([10L, 15, 20], y.Int64s.ToArray());
    }

    [Fact]
    public void LegacyBroadcastAtAxis0()
    {
        // opset 6, B [2] lined up with A's dim 0: each row gets its own addend.
        var y = OpEvaluator.Run("Add", [A23, Tensor.FromFloats([2], [10, 20])],
            [Attr.Int("broadcast", 1), Attr.Int("axis", 0)], opset: 6)[0];
        TensorAssert.Close([2, 3], [11, 12, 13, 24, 25, 26], y);
    }

    [Fact]
    public void LegacyBroadcastDefaultsToTrailingDims()
    {
        var y = OpEvaluator.Run("Sub", [A23, Tensor.FromFloats([3], [1, 2, 3])], [Attr.Int("broadcast", 1)], opset: 6)[0];
        TensorAssert.Close([2, 3], [0, 0, 0, 3, 3, 3], y);
    }

    [Fact]
    public void LegacyBroadcastWithSizeOneDims()
    {
        var col = OpEvaluator.Run("Mul", [A23, Tensor.FromFloats([2, 1], [1, 10])],
            [Attr.Int("broadcast", 1), Attr.Int("axis", 0)], opset: 6)[0];
        TensorAssert.Close([2, 3], [1, 2, 3, 40, 50, 60], col);
        var scalar = OpEvaluator.Run("Add", [A23, Tensor.Scalar(1)], [Attr.Int("broadcast", 1)], opset: 6)[0];
        TensorAssert.Close([2, 3], [2, 3, 4, 5, 6, 7], scalar);
    }

    [Fact]
    public void LegacyWithoutBroadcastNeedsEqualShapes()
    {
        Assert.Throws<GraphException>(() => OpEvaluator.Run("Add", [A23, Tensor.FromFloats([3], [1, 2, 3])], opset: 6));
        var same = OpEvaluator.Run("Add", [A23, A23], opset: 6)[0];
        TensorAssert.Close([2, 3], [2, 4, 6, 8, 10, 12], same);
    }

    [Fact]
    public void LegacyAxisThatMisplacesBThrows()
    {
        Assert.Throws<GraphException>(() => OpEvaluator.Run("Add", [A23, Tensor.FromFloats([3], [1, 2, 3])],
            [Attr.Int("broadcast", 1), Attr.Int("axis", 0)], opset: 6));
    }

    [Fact]
    public void RejectsIncompatibleShapes()
    {
        Assert.Throws<GraphException>(() => OpEvaluator.Run("Add", [A23, Tensor.FromFloats([4], new float[4])]));
    }

    [Fact]
    public void RejectsMixedTypes()
    {
        Assert.Throws<GraphException>(() => OpEvaluator.Run("Add", [A23, Tensor.Vector(1)]));
    }

    [Fact]
    public void RejectsBool()
    {
        var b = new Tensor(DataType.Bool, [1], new[] { true });
        Assert.Throws<UnsupportedException>(() => OpEvaluator.Run("Mul", [b, b]));
    }
}
