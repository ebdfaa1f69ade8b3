using KernelVision.Execution;
using KernelVision.Graph;
using KernelVision.Tensors;
using Xunit;

namespace KernelVision.Tests.Ops.Elementwise;

public class LeakyReluTests
{
    [Fact]
    public void DefaultAlphaIsOneHundredth()
    {
        var y = OpEvaluator.Run("LeakyRelu", [Tensor.FromFloats([3], [-2, 0, 3])])[0];
        TensorAssert.Close([3], [-0.02f, 0, 3], y);
    }

    [Fact]
    public void UsesAlpha()
    {
        var y = OpEvaluator.Run("LeakyRelu", [Tensor.FromFloats([2], [-2, 3])], [Attr.Float("alpha", 0.5f)])[0];
        TensorAssert.Close([2], [-1, 3], y);
    }

    [Fact]
    public void RejectsWrongAttributeKind()
    {
        Assert.Throws<GraphException>(() => OpEvaluator.Run("LeakyRelu", [Tensor.FromFloats([1], [1])], [Attr.Int("alpha", 1)]));
    }
}
