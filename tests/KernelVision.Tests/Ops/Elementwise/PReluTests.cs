using KernelVision.Execution;
using KernelVision.Tensors;
using Xunit;

namespace KernelVision.Tests.Ops.Elementwise;

public class PReluTests
{
    [Fact]
    public void SlopeBroadcastsToTrailingDims()
    {
        var x = Tensor.FromFloats([2, 3], [-1, 2, -3, 4, -5, -6]);
        var slope = Tensor.FromFloats([3], [0.1f, 0.2f, 0.3f]);
        var y = OpEvaluator.Run("PRelu", [x, slope], opset: 16)[0];
        TensorAssert.Close([2, 3], [-0.1f, 2, -0.9f, 4, -1, -1.8f], y);
    }

    [Fact]
    public void Opset6PerChannelSlopeAlignsWithAxis1()
    {
        // x [1,2,2]: channel 0 = {-2, 1}, channel 1 = {-4, -8}; slope per channel {0.5, 0.25}.
        var x = Tensor.FromFloats([1, 2, 2], [-2, 1, -4, -8]);
        var slope = Tensor.FromFloats([2], [0.5f, 0.25f]);
        var y = OpEvaluator.Run("PRelu", [x, slope], opset: 6)[0];
        TensorAssert.Close([1, 2, 2], [-1, 1, -1, -2], y);
    }

    [Fact]
    public void Opset16SameSlopeShapeAlignsWithLastAxis()
    {
        // The same tensors under numpy rules: slope follows the last axis instead.
        var x = Tensor.FromFloats([1, 2, 2], [-2, 1, -4, -8]);
        var slope = Tensor.FromFloats([2], [0.5f, 0.25f]);
        var y = OpEvaluator.Run("PRelu", [x, slope], opset: 16)[0];
        TensorAssert.Close([1, 2, 2], [-1, 1, -2, -2], y);
    }

    [Fact]
    public void SingleSlopeSharedByAll()
    {
        var x = Tensor.FromFloats([2, 2], [-1, 1, -2, 2]);
        var y = OpEvaluator.Run("PRelu", [x, Tensor.FromFloats([1], [0.5f])], opset: 6)[0];
        TensorAssert.Close([2, 2], [-0.5f, 1, -1, 2], y);
    }

    [Fact]
    public void RejectsSlopeThatDoesNotBroadcast()
    {
        var x = Tensor.FromFloats([2, 3, 4], new float[24]);
        Assert.Throws<GraphException>(() => OpEvaluator.Run("PRelu", [x, Tensor.FromFloats([3], [1, 1, 1])], opset: 16));
    }

    [Fact]
    public void RejectsSlopeLargerThanInput()
    {
        var x = Tensor.FromFloats([3], [1, 2, 3]);
        Assert.Throws<GraphException>(() => OpEvaluator.Run("PRelu", [x, Tensor.FromFloats([2, 3], new float[6])], opset: 16));
    }
}
