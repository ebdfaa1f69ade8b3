using KernelVision.Execution;
using KernelVision.Graph;
using KernelVision.Tensors;
using Xunit;

namespace KernelVision.Tests.Ops.Elementwise;

public class SoftmaxTests
{
    private static readonly float Ln3 = MathF.Log(3);

    [Fact]
    public void DefaultAxisIsLast()
    {
        // rows {0, ln3} → {1, 3}/4 and {1, 1} → {1/2, 1/2}
        var y = OpEvaluator.Run("Softmax", [Tensor.FromFloats([2, 2], [0, Ln3, 1, 1])])[0];
        TensorAssert.Close([2, 2], [0.25f, 0.75f, 0.5f, 0.5f], y);
    }

    [Fact]
    public void Axis0NormalisesColumns()
    {
        // column 0 = {0, 1} → {1, e}/(1+e); column 1 = {ln3, 1} → {3, e}/(3+e)
        var y = OpEvaluator.Run("Softmax", [Tensor.FromFloats([2, 2], [0, Ln3, 1, 1])], [Attr.Int("axis", 0)])[0];
        double e = Math.E;
        TensorAssert.Close([2, 2], [(float)(1 / (1 + e)), (float)(3 / (3 + e)), (float)(e / (1 + e)), (float)(e / (3 + e))], y);
    }

    [Fact]
    public void LargeInputsDoNotOverflow()
    {
        var y = OpEvaluator.Run("Softmax", [Tensor.FromFloats([2], [1000, 1001])])[0];
        double e = Math.E;
        TensorAssert.Close([2], [(float)(1 / (1 + e)), (float)(e / (1 + e))], y);
    }

    [Fact]
    public void BeforeOpset13TrailingDimsAreFlattened()
    {
        // axis 1 of [1,2,2]: all four values form one row: e^{0,0,0,ln5} = {1,1,1,5}, sum 8.
        var x = Tensor.FromFloats([1, 2, 2], [0, 0, 0, MathF.Log(5)]);
        var y = OpEvaluator.Run("Softmax", [x], [Attr.Int("axis", 1)], opset: 11)[0];
        TensorAssert.Close([1, 2, 2], [0.125f, 0.125f, 0.125f, 0.625f], y);
    }

    [Fact]
    public void Opset13NormalisesOnlyTheAxis()
    {
        // same tensor, axis 1 only: pairs (x[0], x[2]) = {0, 0} and (x[1], x[3]) = {0, ln5}
        var x = Tensor.FromFloats([1, 2, 2], [0, 0, 0, MathF.Log(5)]);
        var y = OpEvaluator.Run("Softmax", [x], [Attr.Int("axis", 1)], opset: 13)[0];
        TensorAssert.Close([1, 2, 2], [0.5f, 1 / 6f, 0.5f, 5 / 6f], y);
    }

    [Fact]
    public void BeforeOpset13DefaultAxisIs1()
    {
        // [2,2] with axis 1 (the default) is an ordinary row softmax.
        var y = OpEvaluator.Run("Softmax", [Tensor.FromFloats([2, 2], [0, Ln3, 1, 1])], opset: 6)[0];
        TensorAssert.Close([2, 2], [0.25f, 0.75f, 0.5f, 0.5f], y);
    }

    [Fact]
    public void LogSoftmax()
    {
        var y = OpEvaluator.Run("LogSoftmax", [Tensor.FromFloats([2, 2], [0, Ln3, 1000, 1000])])[0];
        TensorAssert.Close([2, 2], [MathF.Log(0.25f), MathF.Log(0.75f), -MathF.Log(2), -MathF.Log(2)], y);
    }

    [Fact]
    public void RejectsAxisOutOfRange()
    {
        Assert.Throws<GraphException>(() => OpEvaluator.Run("Softmax", [Tensor.FromFloats([2, 2], new float[4])], [Attr.Int("axis", 2)]));
        Assert.Throws<GraphException>(() => OpEvaluator.Run("LogSoftmax", [Tensor.FromFloats([2, 2], new float[4])], [Attr.Int("axis", -3)]));
    }

    [Fact]
    public void RejectsScalarAndIntegerInput()
    {
        Assert.Throws<GraphException>(() => OpEvaluator.Run("Softmax", [Tensor.Scalar(1)]));
        Assert.Throws<UnsupportedException>(() => OpEvaluator.Run("Softmax", [Tensor.Vector(1, 2)]));
    }
}
