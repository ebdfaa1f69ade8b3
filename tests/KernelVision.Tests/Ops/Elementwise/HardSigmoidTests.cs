using KernelVision.Execution;
using KernelVision.Graph;
using KernelVision.Tensors;
using Xunit;

namespace KernelVision.Tests.Ops.Elementwise;

public class HardSigmoidTests
{
    [Fact]
    public void UsesAlphaAndBeta()
    {
        // 0.5x + 0.6 clamped to [0, 1]
        var y = OpEvaluator.Run("HardSigmoid", [Tensor.FromFloats([3], [-2, 0, 1])],
            [Attr.Float("alpha", 0.5f), Attr.Float("beta", 0.6f)])[0];
        TensorAssert.Close([3], [0, 0.6f, 1], y);
    }

    [Fact]
    public void Defaults()
    {
        // 0.2 · 1 + 0.5
        var y = OpEvaluator.Run("HardSigmoid", [Tensor.FromFloats([1], [1])])[0];
        TensorAssert.Close([1], [0.7f], y);
    }
}
