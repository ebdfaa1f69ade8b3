using KernelVision.Execution;
using KernelVision.Graph;
using KernelVision.Tensors;
using Xunit;
using static KernelVision.Tests.Ops.Layout.LayoutTestUtil;

namespace KernelVision.Tests.Ops.Layout;

public class ArgMaxTests
{
    private static Tensor X => Tensor.FromFloats([2, 3], [1, 3, 3, 5, 2, 5]);

    [Fact]
    public void FirstIndexOnTies()
    {
        Ints(DataType.Int64, [2, 1], [1, 0], OpEvaluator.Run("ArgMax", [X], [Attr.Int("axis", 1)])[0]);
    }

    [Fact]
    public void LastIndexOnTiesWhenAsked()
    {
        Ints(DataType.Int64, [2, 1], [2, 2], OpEvaluator.Run("ArgMax", [X], [Attr.Int("axis", -1), Attr.Int("select_last_index", 1)])[0]);
    }

    [Fact]
    public void DefaultAxisZeroWithoutKeepDims()
    {
        // Columns: (1,5) -> 1, (3,2) -> 0, (3,5) -> 1.
        Ints(DataType.Int64, [3], [1, 0, 1], OpEvaluator.Run("ArgMax", [X], [Attr.Int("keepdims", 0)])[0]);
    }

    [Fact]
    public void IntegerInputAndNaN()
    {
        Ints(DataType.Int64, [1], [2], OpEvaluator.Run("ArgMax", [Tensor.Vector(-5, 2, 9, 9)])[0]);
        Ints(DataType.Int64, [1], [1], OpEvaluator.Run("ArgMax", [Tensor.FromFloats([3], [1, float.NaN, 7])])[0]);
    }

    [Fact]
    public void RejectsBadAxisOrFlags()
    {
        Assert.Throws<GraphException>(() => OpEvaluator.Run("ArgMax", [X], [Attr.Int("axis", 2)]));
        Assert.Throws<GraphException>(() => OpEvaluator.Run("ArgMax", [X], [Attr.Int("keepdims", 2)]));
        Assert.Throws<GraphException>(() => OpEvaluator.Run("ArgMax", [Tensor.Scalar(1)]));
    }
}
