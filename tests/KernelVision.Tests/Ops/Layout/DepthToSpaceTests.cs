using KernelVision.Execution;
using KernelVision.Graph;
using Xunit;
using static KernelVision.Tests.Ops.Layout.LayoutTestUtil;

namespace KernelVision.Tests.Ops.Layout;

public class DepthToSpaceTests
{
    [Fact]
    public void DcrTakesBlockFromHighChannelBits()
    {
        // x [1,8,1,1] = 0..7, b=2, C'=2: out[c,i,j] = x[(2i+j)*2 + c].
        var y = OpEvaluator.Run("DepthToSpace", [Iota(1, 8, 1, 1)], [Attr.Int("blocksize", 2)])[0];
        TensorAssert.Close([1, 2, 2, 2], [0, 2, 4, 6, 1, 3, 5, 7], y);
    }

    [Fact]
    public void CrdTakesBlockFromLowChannelBits()
    {
        // out[c,i,j] = x[4c + 2i + j]: the channels stay in order.
        var y = OpEvaluator.Run("DepthToSpace", [Iota(1, 8, 1, 1)], [Attr.Int("blocksize", 2), Attr.String("mode", "CRD")])[0];
        TensorAssert.Close([1, 2, 2, 2], [0, 1, 2, 3, 4, 5, 6, 7], y);
    }

    [Fact]
    public void InterleavesPixels()
    {
        // x [1,4,1,2]: channel k holds (2k, 2k+1). Output row 0 = ch0/ch1 interleaved per pixel, row 1 = ch2/ch3.
        var y = OpEvaluator.Run("DepthToSpace", [Iota(1, 4, 1, 2)], [Attr.Int("blocksize", 2)])[0];
        TensorAssert.Close([1, 1, 2, 4], [0, 2, 1, 3, 4, 6, 5, 7], y);
    }

    [Fact]
    public void RejectsBadInputs()
    {
        Assert.Throws<GraphException>(() => OpEvaluator.Run("DepthToSpace", [Iota(1, 6, 1, 1)], [Attr.Int("blocksize", 2)]));
        Assert.Throws<GraphException>(() => OpEvaluator.Run("DepthToSpace", [Iota(4, 1, 1)], [Attr.Int("blocksize", 2)]));
        Assert.Throws<GraphException>(() => OpEvaluator.Run("DepthToSpace", [Iota(1, 4, 1, 1)], [Attr.Int("blocksize", 2), Attr.String("mode", "XYZ")]));
        Assert.Throws<GraphException>(() => OpEvaluator.Run("DepthToSpace", [Iota(1, 4, 1, 1)]));
    }
}
