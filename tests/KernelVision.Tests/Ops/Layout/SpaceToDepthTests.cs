using KernelVision.Execution;
using KernelVision.Graph;
using Xunit;
using static KernelVision.Tests.Ops.Layout.LayoutTestUtil;

namespace KernelVision.Tests.Ops.Layout;

public class SpaceToDepthTests
{
    [Fact]
    public void PixelBlocksBecomeChannels()
    {
        // x [1,2,2,2]: channel (2i+j)*2 + c holds x[c, i, j].
        var y = OpEvaluator.Run("SpaceToDepth", [Iota(1, 2, 2, 2)], [Attr.Int("blocksize", 2)])[0];
        TensorAssert.Close([1, 8, 1, 1], [0, 4, 1, 5, 2, 6, 3, 7], y);
    }

    [Fact]
    public void InvertsDcrDepthToSpace()
    {
        var x = Iota(2, 3, 4, 6);
        var s = OpEvaluator.Run("SpaceToDepth", [x], [Attr.Int("blocksize", 2)])[0]!;
        Assert.Equal([2, 12, 2, 3], s.Shape);
        var back = OpEvaluator.Run("DepthToSpace", [s], [Attr.Int("blocksize", 2)])[0]!;
        TensorAssert.Close(x, back);
    }

    [Fact]
    public void RejectsIndivisibleSpatialSize()
    {
        Assert.Throws<GraphException>(() => OpEvaluator.Run("SpaceToDepth", [Iota(1, 1, 3, 2)], [Attr.Int("blocksize", 2)]));
        Assert.Throws<GraphException>(() => OpEvaluator.Run("SpaceToDepth", [Iota(1, 1, 2, 2)], [Attr.Int("blocksize", 0)]));
    }
}
