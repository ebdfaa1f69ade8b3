using KernelVision.Execution;
using KernelVision.Tensors;
using Xunit;

namespace KernelVision.Tests.Ops.Elementwise;

public class SumTests
{
    [Fact]
    public void AddsThreeBroadcastInputs()
    {
        var a = Tensor.FromFloats([2, 2], [1, 2, 3, 4]);
        var b = Tensor.FromFloats([2], [10, 20]);
        var y = OpEvaluator.Run("Sum", [a, b, Tensor.Scalar(100)])[0];
        TensorAssert.Close([2, 2], [111, 122, 113, 124], y);
    }

    [Fact]
    public void SingleInputIsCopied()
    {
        var y = OpEvaluator.Run("Sum", [Tensor.FromFloats([3], [1, -2, 3])])[0];
        TensorAssert.Close([3], [1, -2, 3], y);
    }

    [Fact]
    public void BeforeOpset8ShapesMustMatch()
    {
        var a = Tensor.FromFloats([2, 2], [1, 2, 3, 4]);
        Assert.Throws<GraphException>(() => OpEvaluator.Run("Sum", [a, Tensor.FromFloats([2], [1, 2])], opset: 6));
    }

    [Fact]
    public void RejectsNoInputs()
    {
        Assert.Throws<GraphException>(() => OpEvaluator.Run("Sum", []));
    }

    [Fact]
    public void RejectsMixedTypes()
    {
        Assert.Throws<GraphException>(() => OpEvaluator.Run("Sum", [Tensor.Scalar(1), new Tensor(DataType.Float64, [], new[] { 1.0 })]));
    }

    [Fact]
    public void RejectsIntegers()
    {
        Assert.Throws<UnsupportedException>(() => OpEvaluator.Run("Sum", [Tensor.Vector(1), Tensor.Vector(2)]));
    }
}
