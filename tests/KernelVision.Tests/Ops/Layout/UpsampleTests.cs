using KernelVision.Execution;
using KernelVision.Graph;
using KernelVision.Tensors;
using Xunit;

namespace KernelVision.Tests.Ops.Layout;

public class UpsampleTests
{
    [Fact]
    public void NearestRepeatsElementsFromScalesInput()
    {
        var x = Tensor.FromFloats([2, 2], [1, 2, 3, 4]);
        var y = OpEvaluator.Run("Upsample", [x, Tensor.FromFloats([2], [2, 3])], opset: 9)[0];
        TensorAssert.Close([4, 6], [
            1, 1, 1, 2, 2, 2,
            1, 1, 1, 2, 2, 2,
            3, 3, 3, 4, 4, 4,
            3, 3, 3, 4, 4, 4,
        ], y);
    }

    [Fact]
    public void LinearFromScalesAttributeUsesAsymmetricCoordinates()
    {
        // Opset 7: scales attribute; x_src = x / 2 = 0, 0.5, 1, 1.5 (clamped to 1).
        var x = Tensor.FromFloats([1, 2], [1, 3]);
        var y = OpEvaluator.Run("Upsample", [x], [Attr.Floats("scales", 1, 2), Attr.String("mode", "linear")], opset: 7)[0];
        TensorAssert.Close([1, 4], [1, 2, 3, 3], y);
    }

    [Fact]
    public void FractionalScaleFloorsOutputLength()
    {
        // 2 · 1.5 = 3; x_src = 0, 0.67, 1.33 → floor 0, 0, 1.
        var y = OpEvaluator.Run("Upsample", [Tensor.FromFloats([2], [5, 6]), Tensor.FromFloats([1], [1.5f])], opset: 9)[0];
        TensorAssert.Close([3], [5, 5, 6], y);
    }

    [Fact]
    public void RejectsScalesBelowOne()
    {
        Assert.Throws<GraphException>(() =>
            OpEvaluator.Run("Upsample", [Tensor.FromFloats([2], [1, 2]), Tensor.FromFloats([1], [0.5f])], opset: 9));
        Assert.Throws<GraphException>(() =>
            OpEvaluator.Run("Upsample", [Tensor.FromFloats([2], [1, 2])], [Attr.Floats("scales", 0)], opset: 8));
    }

    [Fact]
    public void RejectsScalesOfWrongLength()
    {
        Assert.Throws<GraphException>(() =>
            OpEvaluator.Run("Upsample", [Tensor.FromFloats([1, 2], [1, 2]), Tensor.FromFloats([1], [2])], opset: 9));
    }

    [Fact]
    public void RejectsMissingScalesAttribute()
    {
        Assert.Throws<GraphException>(() => OpEvaluator.Run("Upsample", [Tensor.FromFloats([2], [1, 2])], opset: 7));
    }

    [Fact]
    public void RejectsUnknownMode()
    {
        Assert.Throws<UnsupportedException>(() =>
            OpEvaluator.Run("Upsample", [Tensor.FromFloats([2], [1, 2]), Tensor.FromFloats([1], [2])], [Attr.String("mode", "cubic")], opset: 9));
    }
}
