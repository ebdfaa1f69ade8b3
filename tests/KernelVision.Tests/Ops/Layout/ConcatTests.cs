using KernelVision.Execution;
using KernelVision.Graph;
using KernelVision.Tensors;
using Xunit;
using static KernelVision.Tests.Ops.Layout.LayoutTestUtil;

namespace KernelVision.Tests.Ops.Layout;

public class ConcatTests
{
    [Fact]
    public void JoinsAlongLastAxis()
    {
        var a = Tensor.FromFloats([2, 2], [1, 2, 3, 4]);
        var b = Tensor.FromFloats([2, 1], [5, 6]);
        var y = OpEvaluator.Run("Concat", [a, b], [Attr.Int("axis", 1)])[0];
        TensorAssert.Close([2, 3], [1, 2, 5, 3, 4, 6], y);
    }

    [Fact]
    public void NegativeAxisCountsFromEnd()
    {
        var a = Tensor.FromFloats([1, 2], [1, 2]);
        var b = Tensor.FromFloats([2, 2], [3, 4, 5, 6]);
        var y = OpEvaluator.Run("Concat", [a, b], [Attr.Int("axis", -2)])[0];
        TensorAssert.Close([3, 2], [1, 2, 3, 4, 5, 6], y);
    }

    [Fact]
    public void ConcatenatesInt64ShapeVectorsIncludingEmpty()
    {
        var y = OpEvaluator.Run("Concat", [Tensor.Vector(1, 3), Tensor.Vector(), Tensor.Vector(-1)], [Attr.Int("axis", 0)])[0];
        Ints(DataType.Int64, [3], [1, 3, -1], y);
    }

    [Fact]
    public void MiddleAxisOfThreeInputs()
    {
        // [1,1,2] ++ [1,2,2] ++ [1,1,2] on axis 1: rows stacked in input order.
        var y = OpEvaluator.Run("Concat",
            [Tensor.FromFloats([1, 1, 2], [1, 2]), Tensor.FromFloats([1, 2, 2], [3, 4, 5, 6]), Tensor.FromFloats([1, 1, 2], [7, 8])],
            [Attr.Int("axis", 1)])[0];
        TensorAssert.Close([1, 4, 2], [1, 2, 3, 4, 5, 6, 7, 8], y);
    }

    [Fact]
    public void OldOpsetDefaultsToAxisOne()
    {
        var y = OpEvaluator.Run("Concat", [Tensor.FromFloats([1, 1], [1]), Tensor.FromFloats([1, 1], [2])], opset: 1)[0];
        TensorAssert.Close([1, 2], [1, 2], y);
    }

    [Fact]
    public void RejectsMismatchedDims()
    {
        Assert.Throws<GraphException>(() => OpEvaluator.Run("Concat",
            [Tensor.FromFloats([2, 2], new float[4]), Tensor.FromFloats([3, 1], new float[3])], [Attr.Int("axis", 1)]));
    }

    [Fact]
    public void RejectsMixedTypesMissingAxisAndBadAxis()
    {
        Assert.Throws<GraphException>(() => OpEvaluator.Run("Concat", [Tensor.FromFloats([1], [1]), Tensor.Vector(1)], [Attr.Int("axis", 0)]));
        Assert.Throws<GraphException>(() => OpEvaluator.Run("Concat", [Tensor.FromFloats([1], [1])]));
        Assert.Throws<GraphException>(() => OpEvaluator.Run("Concat", [Tensor.FromFloats([1], [1])], [Attr.Int("axis", 1)]));
    }
}
