using KernelVision.Execution;
using KernelVision.Graph;
using KernelVision.Tensors;
using Xunit;

namespace KernelVision.Tests.Ops.Neural;

public class BatchNormalizationTests
{
    private static readonly Tensor X = Tensor.FromFloats([1, 2, 1, 3], [-1, 0, 1, 2, 3, 4]);
    private static readonly Tensor Scale = Tensor.FromFloats([2], [2, 1.5f]);
    private static readonly Tensor Bias = Tensor.FromFloats([2], [0, 1]);
    private static readonly Tensor Mean = Tensor.FromFloats([2], [0, 3]);
    private static readonly Tensor Var = Tensor.FromFloats([2], [4, 0.25f]);

    [Fact]
    public void NormalisesPerChannel()
    {
        // ch0: 2·x/2 = x; ch1: 1.5·(x−3)/0.5 + 1 = 3x − 8.
        var y = OpEvaluator.Run("BatchNormalization", [X, Scale, Bias, Mean, Var], [Attr.Float("epsilon", 0)], opset: 15)[0];
        TensorAssert.Close([1, 2, 1, 3], [-1, 0, 1, -2, 1, 4], y);
    }

    [Fact]
    public void EpsilonIsAddedToVariance()
    {
        var y = OpEvaluator.Run("BatchNormalization", [X, Scale, Bias, Mean, Var], [Attr.Float("epsilon", 0.5f)], opset: 15)[0];
        double s0 = 2 / Math.Sqrt(4.5), s1 = 1.5 / Math.Sqrt(0.75);
        TensorAssert.Close([1, 2, 1, 3],
            [(float)(-s0), 0, (float)s0, (float)(-s1 + 1), 1, (float)(s1 + 1)], y);
    }

    [Fact]
    public void LegacyOpset6AttributesAreAccepted()
    {
        var y = OpEvaluator.Run("BatchNormalization", [X, Scale, Bias, Mean, Var],
            [Attr.Float("epsilon", 0), Attr.Int("is_test", 1), Attr.Int("spatial", 1), Attr.Float("momentum", 0.9f), Attr.Ints("consumed_inputs", 0, 0, 0, 1, 1)],
            opset: 6)[0];
        TensorAssert.Close([1, 2, 1, 3], [-1, 0, 1, -2, 1, 4], y);
    }

    [Fact]
    public void NonSpatialUsesPerActivationStatistics()
    {
        // spatial = 0 (opset < 9): parameters shaped [C, H, W] = [1, 1, 2].
        var x = Tensor.FromFloats([2, 1, 1, 2], [1, 2, 3, 4]);
        var one = Tensor.FromFloats([1, 1, 2], [1, 1]);
        var mean = Tensor.FromFloats([1, 1, 2], [1, 2]);
        var zero = Tensor.FromFloats([1, 1, 2], [0, 10]);
        var y = OpEvaluator.Run("BatchNormalization", [x, one, zero, mean, one], [Attr.Float("epsilon", 0), Attr.Int("spatial", 0)], opset: 7)[0];
        TensorAssert.Close([2, 1, 1, 2], [0, 10, 2, 12], y);
    }

    [Fact]
    public void RankTwoInput()
    {
        var x = Tensor.FromFloats([2, 2], [0, 3, 2, 5]);
        var y = OpEvaluator.Run("BatchNormalization", [x, Scale, Bias, Mean, Var], [Attr.Float("epsilon", 0)])[0];
        TensorAssert.Close([2, 2], [0, 1, 2, 7], y);
    }

    [Fact]
    public void TrainingModeUsesBatchStatisticsAndUpdatesRunningOnes()
    {
        // Channel 0 = [-1, 0, 1] (mean 0, population var 2/3); channel 1 = [2, 3, 4] (mean 3, var 2/3).
        var r = OpEvaluator.Run("BatchNormalization", [X, Scale, Bias, Mean, Var],
            [Attr.Int("training_mode", 1), Attr.Float("momentum", 0.9f)], outputs: 3, opset: 15);
        double sd = Math.Sqrt(2.0 / 3 + 1e-5);
        TensorAssert.Close([1, 2, 1, 3],
            [(float)(-2 / sd), 0, (float)(2 / sd), (float)(-1.5 / sd + 1), 1, (float)(1.5 / sd + 1)], r[0]);
        TensorAssert.Close([2], [0, 3], r[1]);
        TensorAssert.Close([2], [(float)(4 * 0.9 + 2.0 / 3 * 0.1), (float)(0.25 * 0.9 + 2.0 / 3 * 0.1)], r[2]);
        // Statistics outputs without training mode are a training-only feature.
        Assert.Throws<UnsupportedException>(() => OpEvaluator.Run("BatchNormalization", [X, Scale, Bias, Mean, Var], outputs: 3, opset: 15));
    }

    [Fact]
    public void RejectsBadParameters()
    {
        Assert.Throws<GraphException>(() => OpEvaluator.Run("BatchNormalization", [X, Tensor.FromFloats([3], [1, 1, 1]), Bias, Mean, Var]));
        Assert.Throws<GraphException>(() => OpEvaluator.Run("BatchNormalization", [X, Scale, Bias, Mean]));
        Assert.Throws<GraphException>(() => OpEvaluator.Run("BatchNormalization", [X, Scale, Bias, Mean, Var], [Attr.Float("epsilon", -1)]));
        Assert.Throws<GraphException>(() => OpEvaluator.Run("BatchNormalization", [X, Scale, Bias, Mean, Var], [Attr.Int("spatial", 0)], opset: 15));
        Assert.Throws<GraphException>(() => OpEvaluator.Run("BatchNormalization", [Tensor.FromFloats([3], [1, 2, 3]), Scale, Bias, Mean, Var]));
    }
}
