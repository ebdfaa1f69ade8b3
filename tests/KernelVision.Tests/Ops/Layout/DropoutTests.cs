using KernelVision.Execution;
using KernelVision.Graph;
using KernelVision.Tensors;
using Xunit;

namespace KernelVision.Tests.Ops.Layout;

public class DropoutTests
{
    private static Tensor X => Tensor.FromFloats([2, 2], [1, -2, 3, 4]);
    private static Tensor Bool(bool v) => new(DataType.Bool, [], new[] { v });

    [Fact]
    public void InferenceIsIdentityWithAllTrueMask()
    {
        var y = OpEvaluator.Run("Dropout", [X], [Attr.Int("seed", 0)], outputs: 2);
        TensorAssert.Close([2, 2], [1, -2, 3, 4], y[0]);
        Assert.Equal(DataType.Bool, y[1]!.Type);
        Assert.Equal([true, true, true, true], y[1]!.Bools.ToArray());
    }

    [Fact]
    public void RatioWithTrainingFalseOrZeroRatioIsIdentity()
    {
        TensorAssert.Close([2, 2], [1, -2, 3, 4], OpEvaluator.Run("Dropout", [X, Tensor.Scalar(0.5f), Bool(false)])[0]);
        TensorAssert.Close([2, 2], [1, -2, 3, 4], OpEvaluator.Run("Dropout", [X, Tensor.Scalar(0f), Bool(true)])[0]);
    }

    [Fact]
    public void TrainingModeIsUnsupported()
    {
        var e = Assert.Throws<UnsupportedException>(() => OpEvaluator.Run("Dropout", [X, Tensor.Scalar(0.5f), Bool(true)]));
        Assert.Contains("training-mode dropout", e.Message);
        // Default ratio 0.5 applies when the ratio is omitted.
        Assert.Throws<UnsupportedException>(() => OpEvaluator.Run("Dropout", [X, null, Bool(true)]));
    }

    [Fact]
    public void OldOpsets()
    {
        TensorAssert.Close([2, 2], [1, -2, 3, 4], OpEvaluator.Run("Dropout", [X], [Attr.Float("ratio", 0.2f)], opset: 11)[0]);
        // Before opset 10 the mask has the data's type.
        var y = OpEvaluator.Run("Dropout", [X], [Attr.Int("is_test", 1)], outputs: 2, opset: 6);
        TensorAssert.Close([2, 2], [1, 1, 1, 1], y[1]);
        Assert.Throws<GraphException>(() => OpEvaluator.Run("Dropout", [X], [Attr.Float("ratio", 1.5f)], opset: 11));
    }
}
