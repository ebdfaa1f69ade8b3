using KernelVision.Execution;
using KernelVision.Graph;
using KernelVision.Tensors;
using Xunit;

namespace KernelVision.Tests.Ops.Neural;

public class LRNTests
{
    private static readonly Tensor X = Tensor.FromFloats([1, 3, 1, 1], [1, 2, 3]);

    [Fact]
    public void OddSizeWindowIsCentred()
    {
        // Squared sums: c0 1+4 = 5, c1 1+4+9 = 14, c2 4+9 = 13; α/size = 1.
        var y = OpEvaluator.Run("LRN", [X], [Attr.Int("size", 3), Attr.Float("alpha", 3), Attr.Float("beta", 1), Attr.Float("bias", 1)])[0];
        TensorAssert.Close([1, 3, 1, 1], [1f / 6, 2f / 15, 3f / 14], y);
    }

    [Fact]
    public void EvenSizeWindowLeansForward()
    {
        // size 2: channels [c, c+1]. Sums 5, 13, 9; α/size = 1, bias 0, β 0.5.
        var y = OpEvaluator.Run("LRN", [X], [Attr.Int("size", 2), Attr.Float("alpha", 2), Attr.Float("beta", 0.5f), Attr.Float("bias", 0)])[0];
        TensorAssert.Close([1, 3, 1, 1], [(float)(1 / Math.Sqrt(5)), (float)(2 / Math.Sqrt(13)), 1], y);
    }

    [Fact]
    public void DefaultsAlphaBetaBias()
    {
        var y = OpEvaluator.Run("LRN", [X], [Attr.Int("size", 3)])[0];
        double d(double sum) => Math.Pow(1 + 1e-4 / 3 * sum, 0.75);
        TensorAssert.Close([1, 3, 1, 1], [(float)(1 / d(5)), (float)(2 / d(14)), (float)(3 / d(13))], y);
    }

    [Fact]
    public void RejectsMissingOrBadSize()
    {
        Assert.Throws<GraphException>(() => OpEvaluator.Run("LRN", [X]));
        Assert.Throws<GraphException>(() => OpEvaluator.Run("LRN", [X], [Attr.Int("size", 0)]));
        Assert.Throws<GraphException>(() => OpEvaluator.Run("LRN", [Tensor.FromFloats([3], [1, 2, 3])], [Attr.Int("size", 1)]));
    }
}
