using KernelVision.Execution;
using KernelVision.Graph;
using KernelVision.Tensors;
using Xunit;
using static KernelVision.Tests.Ops.Layout.LayoutTestUtil;

namespace KernelVision.Tests.Ops.Layout;

public class ReduceMeanTests
{
    // [[[0,1],[2,3]], [[4,5],[6,7]], [[8,9],[10,11]]]
    private static Tensor X => Iota(3, 2, 2);

    [Fact]
    public void AxesInputKeepDims()
    {
        // Mean over axis 1: (0+2)/2=1, (1+3)/2=2, then 5,6, then 9,10.
        var y = OpEvaluator.Run("ReduceMean", [X, Tensor.Vector(1)], opset: 18)[0];
        TensorAssert.Close([3, 1, 2], [1, 2, 5, 6, 9, 10], y);
    }

    [Fact]
    public void NegativeAxesWithoutKeepDims()
    {
        // Mean over axes 0 and 2: for j=0 mean(0,1,4,5,8,9)=4.5; j=1 mean(2,3,6,7,10,11)=6.5.
        var y = OpEvaluator.Run("ReduceMean", [X, Tensor.Vector(0, -1)], [Attr.Int("keepdims", 0)], opset: 18)[0];
        TensorAssert.Close([2], [4.5f, 6.5f], y);
    }

    [Fact]
    public void EmptyAxesReduceAllOrPassThrough()
    {
        TensorAssert.Close([1, 1, 1], [5.5f], OpEvaluator.Run("ReduceMean", [X, Tensor.Vector()], opset: 18)[0]);
        TensorAssert.Close([1, 1, 1], [5.5f], OpEvaluator.Run("ReduceMean", [X], opset: 18)[0]);
        var same = OpEvaluator.Run("ReduceMean", [X], [Attr.Int("noop_with_empty_axes", 1)], opset: 18)[0];
        TensorAssert.Close(X, same!);
    }

    [Fact]
    public void AxesAttributeBeforeOpset18()
    {
        var y = OpEvaluator.Run("ReduceMean", [X], [Attr.Ints("axes", 2), Attr.Int("keepdims", 0)], opset: 13)[0];
        TensorAssert.Close([3, 2], [0.5f, 2.5f, 4.5f, 6.5f, 8.5f, 10.5f], y);
    }

    [Fact]
    public void IntegerMeanTruncates()
    {
        Ints(DataType.Int64, [1], [2], OpEvaluator.Run("ReduceMean", [Tensor.Vector(1, 2, 4)], [Attr.Ints("axes", 0)], opset: 13)[0]);
    }

    [Fact]
    public void RejectsDuplicateOrBadAxes()
    {
        Assert.Throws<GraphException>(() => OpEvaluator.Run("ReduceMean", [X, Tensor.Vector(1, -2)], opset: 18));
        Assert.Throws<GraphException>(() => OpEvaluator.Run("ReduceMean", [X, Tensor.Vector(3)], opset: 18));
        Assert.Throws<GraphException>(() => OpEvaluator.Run("ReduceMean", [X], [Attr.Ints("axes", -4)], opset: 13));
    }
}
