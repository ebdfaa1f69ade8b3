using KernelVision.Execution;
using KernelVision.Graph;
using KernelVision.Tensors;
using Xunit;

namespace KernelVision.Tests.Ops.Elementwise;

public class ClipTests
{
    private static readonly Tensor X = Tensor.FromFloats([4], [-1, 0.2f, 0.5f, 3]);

    [Fact]
    public void Opset6UsesAttributes()
    {
        var y = OpEvaluator.Run("Clip", [X], [Attr.Float("min", -0.5f), Attr.Float("max", 0.5f)], opset: 6)[0];
        TensorAssert.Close([4], [-0.5f, 0.2f, 0.5f, 0.5f], y);
    }

    [Fact]
    public void Opset6DefaultBoundsAreFloatLimits()
    {
        var y = OpEvaluator.Run("Clip", [Tensor.FromFloats([3], [float.NegativeInfinity, 1, float.PositiveInfinity])], opset: 6)[0];
        TensorAssert.Close([3], [float.MinValue, 1, float.MaxValue], y);
    }

    [Fact]
    public void Opset13UsesInputs()
    {
        var y = OpEvaluator.Run("Clip", [X, Tensor.Scalar(0), Tensor.Scalar(1)], opset: 13)[0];
        TensorAssert.Close([4], [0, 0.2f, 0.5f, 1], y);
    }

    [Fact]
    public void OmittedMinOrMax()
    {
        var onlyMax = OpEvaluator.Run("Clip", [X, null, Tensor.Scalar(0.3f)], opset: 13)[0];
        TensorAssert.Close([4], [-1, 0.2f, 0.3f, 0.3f], onlyMax);
        var onlyMin = OpEvaluator.Run("Clip", [X, Tensor.Scalar(0.3f)], opset: 13)[0];
        TensorAssert.Close([4], [0.3f, 0.3f, 0.5f, 3], onlyMin);
        var none = OpEvaluator.Run("Clip", [X], opset: 13)[0];
        TensorAssert.Close([4], [-1, 0.2f, 0.5f, 3], none);
    }

    [Fact]
    public void MinAboveMaxGivesMax()
    {
        var y = OpEvaluator.Run("Clip", [X, Tensor.Scalar(2), Tensor.Scalar(1)], opset: 13)[0];
        TensorAssert.Close([4], [1, 1, 1, 1], y);
    }

    [Fact]
    public void Int8WithMaxOnly()
    {
        var x = new Tensor(DataType.Int8, [3], new long[] { -10, 3, 100 });
        var max = new Tensor(DataType.Int8, [], new long[] { 5 });
        var y = OpEvaluator.Run("Clip", [x, null, max], opset: 13)[0]!;
        Assert.Equal(DataType.Int8, y.Type);
        Assert.Equal([-10L, 3, 5], y.Int64s.ToArray());
    }

    [Fact]
    public void RejectsNonScalarBound()
    {
        Assert.Throws<GraphException>(() => OpEvaluator.Run("Clip", [X, Tensor.FromFloats([2], [0, 1])], opset: 13));
    }

    [Fact]
    public void RejectsBoundOfOtherType()
    {
        Assert.Throws<GraphException>(() => OpEvaluator.Run("Clip", [X, new Tensor(DataType.Int64, [], new long[] { 0 })], opset: 13));
    }

    [Fact]
    public void RejectsIntegersBeforeOpset12()
    {
        Assert.Throws<UnsupportedException>(() => OpEvaluator.Run("Clip", [Tensor.Vector(1, 2)], opset: 11));
    }

    [Fact]
    public void RejectsBoundInputsBeforeOpset11()
    {
        Assert.Throws<GraphException>(() => OpEvaluator.Run("Clip", [X, Tensor.Scalar(0)], opset: 6));
    }
}
