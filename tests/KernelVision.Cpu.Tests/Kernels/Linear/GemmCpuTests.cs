using KernelVision.Backends;
using KernelVision.Cpu.Kernels.Linear;
using KernelVision.Graph;
using KernelVision.Ops;
using KernelVision.Tensors;
using Xunit;
using static KernelVision.Cpu.Tests.Kernels.KernelTestUtil;

namespace KernelVision.Cpu.Tests.Kernels.Linear;

public class GemmCpuTests
{
    private static Ops.Linear.Gemm MakeGemm(bool transA, bool transB, float alpha, float beta, int inputs, FusedActivation act = default)
    {
        var op = (Ops.Linear.Gemm)MakeOp("Gemm", inputs,
            [Attr.Int("transA", transA ? 1 : 0), Attr.Int("transB", transB ? 1 : 0), Attr.Float("alpha", alpha), Attr.Float("beta", beta)]);
        op.Activation = act;
        return op;
    }

    [Fact]
    public void CpuBackendProvidesTheKernel()
    {
        var op = MakeGemm(false, false, 1, 1, 2);
        Assert.IsType<GemmCpu>(CpuTwoThreads.CreateKernel(op));
        Assert.Contains(typeof(Ops.Linear.Gemm), CpuBackend.ImplementedOps);
    }

    [Fact]
    public void RandomShapesTransposesAndCShapesMatchReference()
    {
        var rng = new Random(11);
        int[] dims = [1, 3, 6, 7, 17, 40, 130];
        for (int round = 0; round < 60; round++)
        {
            int m = dims[rng.Next(dims.Length)], n = dims[rng.Next(dims.Length)], k = dims[rng.Next(dims.Length)];
            bool ta = rng.Next(2) == 1, tb = rng.Next(2) == 1;
            float alpha = rng.Next(3) == 0 ? 1 : (float)(rng.NextDouble() * 4 - 2);
            float beta = rng.Next(4) switch { 0 => 0, 1 => 1, _ => (float)(rng.NextDouble() * 4 - 2) };
            int[]?[] cShapes = [null, [], [1], [n], [1, n], [m, 1], [m, n], [1, 1]];
            var cShape = cShapes[rng.Next(cShapes.Length)];
            var a = RandomFloats(rng, ta ? [k, m] : [m, k]);
            var b = RandomFloats(rng, tb ? [n, k] : [k, n]);
            var inputs = cShape is null ? new Tensor?[] { a, b } : [a, b, RandomFloats(rng, cShape)];
            var op = MakeGemm(ta, tb, alpha, beta, inputs.Length);
            AssertMatchesReference(op, inputs, what: $"M={m} N={n} K={k} tA={ta} tB={tb} alpha={alpha} beta={beta} C={(cShape is null ? "none" : ShapeUtil.Format(cShape))}");
        }
    }

    [Theory]
    [InlineData(ActivationKind.Relu, 0f, 0f)]
    [InlineData(ActivationKind.LeakyRelu, 0.2f, 0f)]
    [InlineData(ActivationKind.Clip, -0.3f, 0.6f)]
    [InlineData(ActivationKind.Sigmoid, 0f, 0f)]
    [InlineData(ActivationKind.Tanh, 0f, 0f)]
    [InlineData(ActivationKind.HardSigmoid, 0.2f, 0.5f)]
    public void FusedActivationMatchesReference(ActivationKind kind, float p0, float p1)
    {
        var rng = new Random(3);
        foreach (var (m, n, k) in new[] { (1, 1000, 64), (33, 17, 300), (64, 64, 9) })
        {
            var op = MakeGemm(false, true, 1, 1, 3, new FusedActivation(kind, p0, p1));
            AssertMatchesReference(op, [RandomFloats(rng, m, k), RandomFloats(rng, n, k), RandomFloats(rng, n)], what: $"{kind} {m}x{n}x{k}");
        }
    }

    [Fact]
    public void PreparedConstantWeightsArePackedOnceAndOnlyUsedForTheSameTensor()
    {
        var rng = new Random(5);
        var op = MakeGemm(false, true, 1, 1, 3);
        var kernel = CpuTwoThreads.CreateKernel(op)!;
        var w = RandomFloats(rng, 50, 70);
        var bias = RandomFloats(rng, 50);
        ((IConstantInputsAware)kernel).PrepareConstants([null, w, bias]);
        for (int r = 0; r < 3; r++)
            AssertMatchesReference(op, [RandomFloats(rng, 9, 70), w, bias], kernel, "prepared weights");
        // Another tensor of the same shape must not be served from the cache.
        var other = RandomFloats(rng, 50, 70);
        AssertMatchesReference(op, [RandomFloats(rng, 9, 70), other, bias], kernel, "different weights");
    }

    [Fact]
    public void PreparedConstantAIsUsed()
    {
        var rng = new Random(6);
        var op = MakeGemm(true, false, 0.5f, 0, 2);
        var kernel = CpuTwoThreads.CreateKernel(op)!;
        var a = RandomFloats(rng, 30, 20);
        ((IConstantInputsAware)kernel).PrepareConstants([a, null]);
        AssertMatchesReference(op, [a, RandomFloats(rng, 30, 11)], kernel, "prepared A");
    }

    [Fact]
    public void BetaZeroIgnoresNonFiniteC()
    {
        var rng = new Random(8);
        var op = MakeGemm(false, false, 1, 0, 3);
        var c = Tensor.FromFloats([4, 5], Enumerable.Repeat(float.PositiveInfinity, 20).ToArray());
        AssertMatchesReference(op, [RandomFloats(rng, 4, 3), RandomFloats(rng, 3, 5), c]);
    }

    [Fact]
    public void Float64FallsBackToReference()
    {
        var op = MakeGemm(false, false, 1, 1, 2);
        var a = Tensor.Zeros(DataType.Float64, [2, 2]);
        var b = Tensor.Zeros(DataType.Float64, [2, 2]);
        a.Doubles[0] = 2; a.Doubles[3] = 3; b.Doubles[0] = 5; b.Doubles[1] = 7;
        var y = Run(op, CpuTwoThreads.CreateKernel(op)!, [a, b]);
        Assert.Equal(new double[] { 10, 14, 0, 0 }, y.Doubles.ToArray());
    }

    [Fact]
    public void RunsAllocateNothingOnceWarm()
    {
        var rng = new Random(12);
        var op = MakeGemm(false, true, 1, 1, 3, new FusedActivation(ActivationKind.Relu));
        var kernel = CpuTwoThreads.CreateKernel(op)!;
        var w = RandomFloats(rng, 300, 200);
        var bias = RandomFloats(rng, 300);
        var x = RandomFloats(rng, 64, 200);
        var y = Tensor.Zeros(DataType.Float32, [64, 300]);
        ((IConstantInputsAware)kernel).PrepareConstants([null, w, bias]);
        Tensor?[] inputs = [x, w, bias], outputs = [y];
        for (int i = 0; i < 3; i++) kernel.Run(inputs, outputs);
        Assert.Equal(0, SteadyAllocations.Measure(() =>
        {
            for (int i = 0; i < 5; i++) kernel.Run(inputs, outputs);
        }));
    }
}
