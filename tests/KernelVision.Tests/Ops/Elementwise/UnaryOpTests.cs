using KernelVision.Execution;
using KernelVision.Graph;
using KernelVision.Tensors;
using Xunit;

namespace KernelVision.Tests.Ops.Elementwise;

public class UnaryOpTests
{
    private static Tensor Run(string op, float[] x) => OpEvaluator.Run(op, [Tensor.FromFloats([x.Length], x)])[0]!;

    [Fact]
    public void ReluZeroesNegatives()
    {
        TensorAssert.Close([3], [0, 0, 2.5f], Run("Relu", [-1, 0, 2.5f]));
    }

    [Fact]
    public void ReluOnIntegersKeepsType()
    {
        var x = new Tensor(DataType.Int8, [3], new long[] { -3, 0, 4 });
        var y = OpEvaluator.Run("Relu", [x])[0]!;
        Assert.Equal(DataType.Int8, y.Type);
        Assert.Equal([0L, 0, 4], y.Int64s.ToArray());
    }

    [Fact]
    public void Sigmoid()
    {
        // 1/(1+e^-ln3) = 1/(1+1/3) = 0.75
        TensorAssert.Close([2], [0.5f, 0.75f], Run("Sigmoid", [0, MathF.Log(3)]));
    }

    [Fact]
    public void Tanh()
    {
        // tanh(ln 2) = (2 - 1/2) / (2 + 1/2) = 0.6
        TensorAssert.Close([2], [0, 0.6f], Run("Tanh", [0, MathF.Log(2)]));
    }

    [Fact]
    public void HardSwish()
    {
        // x · clamp(x/6 + 1/2, 0, 1): 1.5 → 1.5 · 0.75
        TensorAssert.Close([5], [0, 0, 0, 3, 1.125f], Run("HardSwish", [-4, -3, 0, 3, 1.5f]));
    }

    [Fact]
    public void ErfMatchesTabulatedValues()
    {
        // Values from tables of the error function (Abramowitz & Stegun 7.1).
        TensorAssert.Close([6], [0, 0.5204998778f, 0.8427007929f, -0.9953222650f, 0.9999779095f, 1],
            Run("Erf", [0, 0.5f, 1, -2, 3, 7]), rtol: 1e-6);
    }

    [Fact]
    public void SqrtOfNegativeIsNaN()
    {
        TensorAssert.Close([3], [2, 1.5f, float.NaN], Run("Sqrt", [4, 2.25f, -1]));
    }

    [Fact]
    public void Exp()
    {
        TensorAssert.Close([3], [1, MathF.E, 5], Run("Exp", [0, 1, MathF.Log(5)]));
    }

    [Fact]
    public void KeepsShape()
    {
        var y = OpEvaluator.Run("Tanh", [Tensor.FromFloats([2, 1, 3], new float[6])])[0]!;
        Assert.Equal([2, 1, 3], y.Shape);
    }

    [Fact]
    public void RejectsIntegerInputToFloatOnlyFunction()
    {
        Assert.Throws<UnsupportedException>(() => OpEvaluator.Run("Sigmoid", [Tensor.Vector(1, 2)]));
    }

    [Fact]
    public void RejectsTwoInputs()
    {
        var x = Tensor.FromFloats([1], [1]);
        Assert.Throws<GraphException>(() => OpEvaluator.Run("Exp", [x, x]));
    }
}
