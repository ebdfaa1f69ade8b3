using KernelVision.Execution;
using KernelVision.Tensors;
using Xunit;

namespace KernelVision.Tests.Ops.Neural;

public class GlobalPoolTests
{
    private static readonly Tensor X = Tensor.FromFloats([1, 2, 2, 2], [1, 2, 3, 6, -1, -8, -3, -4]);

    [Fact]
    public void AverageOfEachPlane()
    {
        var y = OpEvaluator.Run("GlobalAveragePool", [X])[0];
        TensorAssert.Close([1, 2, 1, 1], [3, -4], y);
    }

    [Fact]
    public void MaxOfEachPlane()
    {
        var y = OpEvaluator.Run("GlobalMaxPool", [X])[0];
        TensorAssert.Close([1, 2, 1, 1], [6, -1], y);
    }

    [Fact]
    public void OneAndThreeDimensional()
    {
        var x1 = Tensor.FromFloats([2, 1, 3], [1, 2, 6, 0, 0, 3]);
        TensorAssert.Close([2, 1, 1], [3, 1], OpEvaluator.Run("GlobalAveragePool", [x1])[0]);
        var x3 = Tensor.FromFloats([1, 1, 2, 1, 2], [4, -2, 7, 1]);
        TensorAssert.Close([1, 1, 1, 1, 1], [7], OpEvaluator.Run("GlobalMaxPool", [x3])[0]);
    }

    [Fact]
    public void RejectsRankTwo()
    {
        Assert.Throws<GraphException>(() => OpEvaluator.Run("GlobalAveragePool", [Tensor.FromFloats([2, 2], [1, 2, 3, 4])]));
        Assert.Throws<GraphException>(() => OpEvaluator.Run("GlobalMaxPool", [Tensor.FromFloats([2, 2], [1, 2, 3, 4])]));
    }
}
