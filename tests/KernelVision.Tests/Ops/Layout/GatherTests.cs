using KernelVision.Execution;
using KernelVision.Graph;
using KernelVision.Tensors;
using Xunit;
using static KernelVision.Tests.Ops.Layout.LayoutTestUtil;

namespace KernelVision.Tests.Ops.Layout;

public class GatherTests
{
    [Fact]
    public void RowsWithNegativeIndex()
    {
        // rows 2 and -3 (= 0) of [[0,1],[2,3],[4,5]].
        var y = OpEvaluator.Run("Gather", [Iota(3, 2), Tensor.Vector(2, -3)])[0];
        TensorAssert.Close([2, 2], [4, 5, 0, 1], y);
    }

    [Fact]
    public void AxisOneWith2DIndices()
    {
        // [[0,1,2],[3,4,5],[6,7,8]], indices [[0,2]] on axis 1 -> [3,1,2].
        var y = OpEvaluator.Run("Gather", [Iota(3, 3), Longs([1, 2], 0, 2)], [Attr.Int("axis", 1)])[0];
        TensorAssert.Close([3, 1, 2], [0, 2, 3, 5, 6, 8], y);
    }

    [Fact]
    public void ScalarIndexOnShapeVectorWithInt32Indices()
    {
        // The Shape -> Gather(scalar) pattern: picks one dim as a scalar.
        var idx = new Tensor(DataType.Int32, [], new long[] { 1 });
        Ints(DataType.Int64, [], [224], OpEvaluator.Run("Gather", [Tensor.Vector(1, 224, 224), idx])[0]);
    }

    [Fact]
    public void RejectsOutOfRangeIndicesNamingTheNode()
    {
        var e = Assert.Throws<GraphException>(() => OpEvaluator.Run("Gather", [Iota(3), Tensor.Vector(3)]));
        Assert.Contains("gather_test", e.Message);
        Assert.Throws<GraphException>(() => OpEvaluator.Run("Gather", [Iota(3), Tensor.Vector(-4)]));
        // At run time too, when the indices were not known during inference.
        var op = Make("Gather", 2);
        var k = Assert.Throws<GraphException>(() => RunKernel(op, [Iota(3), Tensor.Vector(5)], [Tensor.Zeros(DataType.Float32, [1])]));
        Assert.Contains("gather_test", k.Message);
    }

    [Fact]
    public void RejectsFloatIndicesAndBadAxis()
    {
        Assert.Throws<GraphException>(() => OpEvaluator.Run("Gather", [Iota(3), Tensor.FromFloats([1], [0])]));
        Assert.Throws<GraphException>(() => OpEvaluator.Run("Gather", [Iota(3), Tensor.Vector(0)], [Attr.Int("axis", 1)]));
    }
}
