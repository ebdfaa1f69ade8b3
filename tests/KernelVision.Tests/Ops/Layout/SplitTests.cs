using KernelVision.Execution;
using KernelVision.Graph;
using KernelVision.Tensors;
using Xunit;
using static KernelVision.Tests.Ops.Layout.LayoutTestUtil;

namespace KernelVision.Tests.Ops.Layout;

public class SplitTests
{
    [Fact]
    public void NumOutputsGivesShorterLastChunk()
    {
        // 7 into 4: ceil(7/4) = 2, so [2, 2, 2, 1].
        var y = OpEvaluator.Run("Split", [Iota(7)], [Attr.Int("num_outputs", 4)], outputs: 4, opset: 18);
        TensorAssert.Close([2], [0, 1], y[0]);
        TensorAssert.Close([2], [2, 3], y[1]);
        TensorAssert.Close([2], [4, 5], y[2]);
        TensorAssert.Close([1], [6], y[3]);
    }

    [Fact]
    public void SplitInputOnAxisOne()
    {
        // [[0..5],[6..11]] into widths 2 and 4.
        var y = OpEvaluator.Run("Split", [Iota(2, 6), Tensor.Vector(2, 4)], [Attr.Int("axis", 1)], outputs: 2, opset: 13);
        TensorAssert.Close([2, 2], [0, 1, 6, 7], y[0]);
        TensorAssert.Close([2, 4], [2, 3, 4, 5, 8, 9, 10, 11], y[1]);
    }

    [Fact]
    public void SplitAttributeBeforeOpset13()
    {
        var y = OpEvaluator.Run("Split", [Iota(3)], [Attr.Int("axis", 0), Attr.Ints("split", 2, 1)], outputs: 2, opset: 6);
        TensorAssert.Close([2], [0, 1], y[0]);
        TensorAssert.Close([1], [2], y[1]);
    }

    [Fact]
    public void EqualSplitFromOutputCountWithNegativeAxis()
    {
        var y = OpEvaluator.Run("Split", [Iota(2, 4)], [Attr.Int("axis", -1)], outputs: 2, opset: 13);
        TensorAssert.Close([2, 2], [0, 1, 4, 5], y[0]);
        TensorAssert.Close([2, 2], [2, 3, 6, 7], y[1]);
    }

    [Fact]
    public void ZeroSizeSplitsAndInt64Data()
    {
        var y = OpEvaluator.Run("Split", [Tensor.Vector(), Tensor.Vector(0, 0)], outputs: 2, opset: 13);
        Ints(DataType.Int64, [0], [], y[0]);
        Ints(DataType.Int64, [0], [], y[1]);
        var z = OpEvaluator.Run("Split", [Tensor.Vector(5, 6, 7), Tensor.Vector(1, 2)], outputs: 2, opset: 13);
        Ints(DataType.Int64, [1], [5], z[0]);
        Ints(DataType.Int64, [2], [6, 7], z[1]);
    }

    [Fact]
    public void RejectsBadSplits()
    {
        // Uneven without num_outputs, wrong sum, wrong count, num_outputs not matching outputs, 5 into 4 (last chunk negative).
        Assert.Throws<GraphException>(() => OpEvaluator.Run("Split", [Iota(7)], outputs: 2, opset: 13));
        Assert.Throws<GraphException>(() => OpEvaluator.Run("Split", [Iota(6), Tensor.Vector(2, 3)], outputs: 2, opset: 13));
        Assert.Throws<GraphException>(() => OpEvaluator.Run("Split", [Iota(6), Tensor.Vector(2, 2, 2)], outputs: 2, opset: 13));
        Assert.Throws<GraphException>(() => OpEvaluator.Run("Split", [Iota(6)], [Attr.Int("num_outputs", 3)], outputs: 2, opset: 18));
        Assert.Throws<GraphException>(() => OpEvaluator.Run("Split", [Iota(5)], [Attr.Int("num_outputs", 4)], outputs: 4, opset: 18));
    }
}
