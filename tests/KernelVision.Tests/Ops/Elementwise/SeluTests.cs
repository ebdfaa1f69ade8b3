using KernelVision.Execution;
using KernelVision.Graph;
using KernelVision.Tensors;
using Xunit;

namespace KernelVision.Tests.Ops.Elementwise;

public class SeluTests
{
    [Fact]
    public void UsesAlphaAndGamma()
    {
        // negative: 3 · 2 · (0.5 − 1) = −3; positive: 3 · 2 = 6
        var y = OpEvaluator.Run("Selu", [Tensor.FromFloats([2], [-MathF.Log(2), 2])],
            [Attr.Float("alpha", 2), Attr.Float("gamma", 3)])[0];
        TensorAssert.Close([2], [-3, 6], y);
    }

    [Fact]
    public void DefaultConstants()
    {
        // gamma · alpha · (e^-1 − 1) with gamma ≈ 1.0507010, alpha ≈ 1.6732632
        double neg = 1.0507010221481323 * 1.6732631921768188 * (Math.Exp(-1) - 1);
        var y = OpEvaluator.Run("Selu", [Tensor.FromFloats([2], [1, -1])], opset: 6)[0];
        TensorAssert.Close([2], [1.0507010221481323f, (float)neg], y);
    }
}
