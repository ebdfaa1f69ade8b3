using KernelVision.Execution;
using KernelVision.Graph;
using KernelVision.Tensors;
using Xunit;
using static KernelVision.Tests.Ops.Layout.LayoutTestUtil;

namespace KernelVision.Tests.Ops.Layout;

public class UnsqueezeTests
{
    [Fact]
    public void AxesIndexTheOutput()
    {
        // [3,4] with axes [0, -1] -> rank 4: [1,3,4,1].
        var y = OpEvaluator.Run("Unsqueeze", [Iota(3, 4), Tensor.Vector(0, -1)], opset: 13)[0];
        Assert.Equal([1, 3, 4, 1], y!.Shape);
        Assert.Equal(11f, y.Floats[11]);
    }

    [Fact]
    public void UnsortedAxes()
    {
        // [3,4,5] with axes [5,4,2] -> [3,4,1,5,1,1].
        var y = OpEvaluator.Run("Unsqueeze", [Iota(3, 4, 5), Tensor.Vector(5, 4, 2)], opset: 13)[0];
        Assert.Equal([3, 4, 1, 5, 1, 1], y!.Shape);
    }

    [Fact]
    public void ScalarToVectorInt64AndAttributeForm()
    {
        var y = OpEvaluator.Run("Unsqueeze", [Tensor.FromInt64s([], [7])], [Attr.Ints("axes", 0)], opset: 11)[0];
        Ints(DataType.Int64, [1], [7], y);
    }

    [Fact]
    public void RejectsDuplicateOrOutOfRangeOrMissingAxes()
    {
        Assert.Throws<GraphException>(() => OpEvaluator.Run("Unsqueeze", [Iota(3), Tensor.Vector(0, 0)], opset: 13));
        Assert.Throws<GraphException>(() => OpEvaluator.Run("Unsqueeze", [Iota(3), Tensor.Vector(2)], opset: 13));
        Assert.Throws<GraphException>(() => OpEvaluator.Run("Unsqueeze", [Iota(3)], opset: 13));
        Assert.Throws<GraphException>(() => OpEvaluator.Run("Unsqueeze", [Iota(3)], opset: 11));
    }
}
