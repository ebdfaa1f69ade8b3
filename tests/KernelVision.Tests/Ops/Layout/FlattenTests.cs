using KernelVision.Execution;
using KernelVision.Graph;
using KernelVision.Tensors;
using Xunit;
using static KernelVision.Tests.Ops.Layout.LayoutTestUtil;

namespace KernelVision.Tests.Ops.Layout;

public class FlattenTests
{
    [Theory]
    [InlineData(0, 1, 24)]
    [InlineData(1, 2, 12)]
    [InlineData(2, 6, 4)]
    [InlineData(3, 24, 1)]
    [InlineData(-1, 6, 4)]
    [InlineData(-2, 2, 12)]
    [InlineData(-3, 1, 24)]
    public void ShapeIsProductBeforeAndAfterAxis(long axis, int rows, int cols)
    {
        var y = OpEvaluator.Run("Flatten", [Iota(2, 3, 4)], [Attr.Int("axis", axis)])[0];
        TensorAssert.Close([rows, cols], Enumerable.Range(0, 24).Select(i => (float)i).ToArray(), y);
    }

    [Fact]
    public void DefaultAxisIsOne()
    {
        var y = OpEvaluator.Run("Flatten", [Iota(2, 1, 2)])[0];
        TensorAssert.Close([2, 2], [0, 1, 2, 3], y);
    }

    [Fact]
    public void RejectsAxisBeyondRank()
    {
        Assert.Throws<GraphException>(() => OpEvaluator.Run("Flatten", [Iota(2, 3)], [Attr.Int("axis", 3)]));
        Assert.Throws<GraphException>(() => OpEvaluator.Run("Flatten", [Iota(2, 3)], [Attr.Int("axis", -3)]));
    }
}
