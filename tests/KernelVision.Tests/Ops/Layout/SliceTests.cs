using KernelVision.Execution;
using KernelVision.Graph;
using KernelVision.Tensors;
using Xunit;
using static KernelVision.Tests.Ops.Layout.LayoutTestUtil;

namespace KernelVision.Tests.Ops.Layout;

public class SliceTests
{
    [Fact]
    public void SlicesRowsAndColumns()
    {
        // iota [3,4]; rows 1..2, cols 0..2.
        var y = OpEvaluator.Run("Slice", [Iota(3, 4), Tensor.Vector(1, 0), Tensor.Vector(3, 3)], opset: 13)[0];
        TensorAssert.Close([2, 3], [4, 5, 6, 8, 9, 10], y);
    }

    [Fact]
    public void NegativeStepReversesWithClampedBounds()
    {
        // start 100 clamps to 9, end INT64_MIN clamps to -1 (before index 0): the whole axis reversed.
        var y = OpEvaluator.Run("Slice", [Iota(5), Tensor.Vector(100), Tensor.Vector(long.MinValue), Tensor.Vector(0), Tensor.Vector(-1)], opset: 13)[0];
        TensorAssert.Close([5], [4, 3, 2, 1, 0], y);
    }

    [Fact]
    public void StepsOnChosenNegativeAxes()
    {
        // iota [2,6]; axis -1 from 5 down to (not incl.) 0 step -2 -> cols 5, 3, 1; axis 0 from 1 -> row 1.
        var y = OpEvaluator.Run("Slice",
            [Iota(2, 6), Tensor.Vector(5, 1), Tensor.Vector(0, 1000), Tensor.Vector(-1, 0), Tensor.Vector(-2, 1)], opset: 13)[0];
        TensorAssert.Close([1, 3], [11, 9, 7], y);
    }

    [Fact]
    public void PositiveStepAndNegativeEnd()
    {
        // [0..9][1:-1:3] = 1, 4, 7.
        var y = OpEvaluator.Run("Slice", [Iota(10), Tensor.Vector(1), Tensor.Vector(-1), Tensor.Vector(0), Tensor.Vector(3)], opset: 13)[0];
        TensorAssert.Close([3], [1, 4, 7], y);
    }

    [Fact]
    public void EmptyWhenStartPastEnd()
    {
        var y = OpEvaluator.Run("Slice", [Iota(4, 2), Tensor.Vector(1000), Tensor.Vector(1000), Tensor.Vector(0)], opset: 13)[0];
        TensorAssert.Close([0, 2], [], y);
    }

    [Fact]
    public void AttributeFormBeforeOpset10OnInt64()
    {
        var y = OpEvaluator.Run("Slice", [Tensor.Vector(7, 8, 9)], [Attr.Ints("starts", -2), Attr.Ints("ends", 3), Attr.Ints("axes", 0)], opset: 6)[0];
        Ints(DataType.Int64, [2], [8, 9], y);
    }

    [Fact]
    public void RejectsBadParameters()
    {
        Assert.Throws<GraphException>(() => OpEvaluator.Run("Slice", [Iota(4), Tensor.Vector(0), Tensor.Vector(4), Tensor.Vector(0), Tensor.Vector(0)], opset: 13));
        Assert.Throws<GraphException>(() => OpEvaluator.Run("Slice", [Iota(4), Tensor.Vector(0, 0), Tensor.Vector(4)], opset: 13));
        Assert.Throws<GraphException>(() => OpEvaluator.Run("Slice", [Iota(4), Tensor.Vector(0), Tensor.Vector(4), Tensor.Vector(1)], opset: 13));
        Assert.Throws<GraphException>(() => OpEvaluator.Run("Slice", [Iota(4, 4), Tensor.Vector(0, 0), Tensor.Vector(4, 4), Tensor.Vector(1, -1)], opset: 13));
        Assert.Throws<GraphException>(() => OpEvaluator.Run("Slice", [Iota(4)], [Attr.Ints("ends", 3)], opset: 6));
    }
}
