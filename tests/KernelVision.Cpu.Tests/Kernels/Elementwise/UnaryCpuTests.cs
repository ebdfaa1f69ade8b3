using KernelVision.Tensors;
using Xunit;
using static KernelVision.Cpu.Tests.CpuVsReference;

namespace KernelVision.Cpu.Tests.Kernels.Elementwise;

public class UnaryCpuTests
{
    [Theory]
    [InlineData("Relu", -3f, 3f)]
    [InlineData("Sigmoid", -12f, 12f)]
    [InlineData("Tanh", -6f, 6f)]
    [InlineData("HardSwish", -5f, 5f)]
    [InlineData("Erf", -5f, 5f)]
    [InlineData("Sqrt", 0f, 9f)]
    [InlineData("Exp", -20f, 20f)]
    public void UnaryMatchesReference(string op, float lo, float hi)
    {
        var rng = new Random(op.Length);
        foreach (var shape in RaggedShapes) Check(op, [Random(rng, shape, lo, hi)]);
    }

    [Fact]
    public void ErfIsAccurateAcrossBranchesAndSpecialValues()
    {
        float[] v = [0f, -0f, 1e-6f, -1e-3f, 0.4999999f, 0.5f, -0.5f, 0.75f, 1f, 2f, -3f, 4f, 9f, -30f,
            float.PositiveInfinity, float.NegativeInfinity, float.NaN];
        Check("Erf", [Tensor.FromFloats([v.Length], v)], rtol: 2e-6);
        var x = new float[4001];
        for (int i = 0; i < x.Length; i++) x[i] = -4f + i * 0.002f;
        Check("Erf", [Tensor.FromFloats([x.Length], x)], rtol: 2e-6);
    }

    [Fact]
    public void ReluKeepsReferenceNaNRuleAndIntegers()
    {
        Check("Relu", [Tensor.FromFloats([10], [float.NaN, -1, 2, float.NegativeInfinity, float.PositiveInfinity, -0f, 0, 3, -4, float.NaN])], exact: true);
        var rng = new Random(5);
        Check("Relu", [RandomInts(rng, DataType.Int32, [3, 11], -50, 50)], exact: true);
        var d = Tensor.Zeros(DataType.Float64, [5]);
        for (int i = 0; i < 5; i++) d.Doubles[i] = i - 2.5;
        Check("Relu", [d], exact: true);
    }
}
