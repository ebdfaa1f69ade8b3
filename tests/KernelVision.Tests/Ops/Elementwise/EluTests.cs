using KernelVision.Execution;
using KernelVision.Graph;
using KernelVision.Tensors;
using Xunit;

namespace KernelVision.Tests.Ops.Elementwise;

public class EluTests
{
    [Fact]
    public void UsesAlpha()
    {
        // 2 · (e^-ln2 − 1) = 2 · (0.5 − 1) = −1
        var y = OpEvaluator.Run("Elu", [Tensor.FromFloats([3], [-MathF.Log(2), 0, 1])], [Attr.Float("alpha", 2)])[0];
        TensorAssert.Close([3], [-1, 0, 1], y);
    }

    [Fact]
    public void DefaultAlphaIsOne()
    {
        // e^-ln4 − 1 = −0.75
        var y = OpEvaluator.Run("Elu", [Tensor.FromFloats([1], [-MathF.Log(4)])])[0];
        TensorAssert.Close([1], [-0.75f], y);
    }
}
