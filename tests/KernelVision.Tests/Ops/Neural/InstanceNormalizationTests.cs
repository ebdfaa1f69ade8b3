using KernelVision.Execution;
using KernelVision.Graph;
using KernelVision.Tensors;
using Xunit;

namespace KernelVision.Tests.Ops.Neural;

public class InstanceNormalizationTests
{
    [Fact]
    public void NormalisesEachPlaneSeparately()
    {
        // Plane (0,0): [1,2,3,4], mean 2.5, var 1.25. Plane (0,1): [10,10,14,14], mean 12, var 4.
        var x = Tensor.FromFloats([1, 2, 4], [1, 2, 3, 4, 10, 10, 14, 14]);
        var scale = Tensor.FromFloats([2], [2, 1]);
        var b = Tensor.FromFloats([2], [1, -1]);
        var y = OpEvaluator.Run("InstanceNormalization", [x, scale, b], [Attr.Float("epsilon", 0)])[0];
        float s = (float)(2 / Math.Sqrt(1.25));
        TensorAssert.Close([1, 2, 4], [1 - 1.5f * s, 1 - 0.5f * s, 1 + 0.5f * s, 1 + 1.5f * s, -2, -2, 0, 0], y);
    }

    [Fact]
    public void DefaultEpsilonKeepsConstantPlaneFinite()
    {
        var x = Tensor.FromFloats([2, 1, 2, 1], [5, 5, -1, 1]);
        var y = OpEvaluator.Run("InstanceNormalization", [x, Tensor.FromFloats([1], [1]), Tensor.FromFloats([1], [0.5f])])[0];
        float n = (float)(1 / Math.Sqrt(1 + 1e-5));
        TensorAssert.Close([2, 1, 2, 1], [0.5f, 0.5f, 0.5f - n, 0.5f + n], y);
    }

    [Fact]
    public void RejectsBadShapes()
    {
        var x = Tensor.FromFloats([1, 2, 2], [1, 2, 3, 4]);
        var p = Tensor.FromFloats([2], [1, 1]);
        Assert.Throws<GraphException>(() => OpEvaluator.Run("InstanceNormalization", [x, Tensor.FromFloats([3], [1, 1, 1]), p]));
        Assert.Throws<GraphException>(() => OpEvaluator.Run("InstanceNormalization", [x, p]));
        Assert.Throws<GraphException>(() => OpEvaluator.Run("InstanceNormalization", [Tensor.FromFloats([2, 2], [1, 2, 3, 4]), p, p]));
    }
}
