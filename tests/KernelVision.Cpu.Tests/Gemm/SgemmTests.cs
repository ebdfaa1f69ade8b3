using KernelVision.Cpu.Gemm;
using KernelVision.Cpu.Threading;
using KernelVision.Ops;
using Xunit;

namespace KernelVision.Cpu.Tests.Gemm;

public class SgemmTests
{
    /// <summary>Every kernel that can run here (Avx512 runs emulated when the CPU lacks it, so its logic is still checked).</summary>
    public static TheoryData<string> Kernels()
    {
        var data = new TheoryData<string>();
        foreach (var k in GemmKernel.All)
            if (k.CanRun) data.Add(k.Name);
        return data;
    }

    public static TheoryData<string, bool, bool> KernelsAndTransposes()
    {
        var data = new TheoryData<string, bool, bool>();
        foreach (var k in GemmKernel.All)
            if (k.CanRun)
                foreach (bool ta in new[] { false, true })
                    foreach (bool tb in new[] { false, true })
                        data.Add(k.Name, ta, tb);
        return data;
    }

    private static GemmKernel Kernel(string name) => GemmKernel.ByName(name)!;

    /// <summary>Runs one case through the span API and checks it against the double-precision oracle.</summary>
    private static void Check(GemmKernel kernel, bool transA, bool transB, int m, int n, int k, float alpha = 1, float beta = 0,
        GemmBias biasMode = GemmBias.None, FusedActivation act = default, int pad = 0, CpuThreadPool? pool = null, int seed = 1)
    {
        var rng = new Random(seed * 7919 + m * 31 + n * 17 + k);
        int lda = (transA ? m : k) + pad, ldb = (transB ? k : n) + pad, ldc = n + pad;
        var a = NaiveGemm.Random(rng, Math.Max(1, (transA ? k : m) * lda));
        var b = NaiveGemm.Random(rng, Math.Max(1, (transB ? n : k) * ldb));
        var c = NaiveGemm.Random(rng, Math.Max(1, m * ldc), -2, 2);
        float[]? bias = biasMode == GemmBias.None ? null : NaiveGemm.Random(rng, biasMode == GemmBias.PerRow ? m : n);
        var (want, scale) = NaiveGemm.Compute(transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc, bias, biasMode, act);
        Sgemm.Multiply(transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc, bias, biasMode, act, pool, kernel);
        NaiveGemm.AssertClose(want, scale, c, k,
            $"{kernel} tA={transA} tB={transB} M={m} N={n} K={k} alpha={alpha} beta={beta} bias={biasMode} act={act} pad={pad}");
    }

    private static readonly int[] Ms = [1, 2, 5, 6, 7, 8, 13, 17, 33, 100];
    private static readonly int[] Ns = [1, 5, 7, 8, 12, 16, 17, 30, 33, 100];
    private static readonly int[] Ks = [1, 6, 17, 257, 300];

    [Theory]
    [MemberData(nameof(KernelsAndTransposes))]
    public void RaggedShapesMatchNaiveGemm(string kernel, bool transA, bool transB)
    {
        var kern = Kernel(kernel);
        foreach (int m in Ms)
            foreach (int n in Ns)
                foreach (int k in Ks)
                    Check(kern, transA, transB, m, n, k);
    }

    [Theory]
    [MemberData(nameof(Kernels))]
    public void LeadingDimensionsLargerThanTheMatrixAreRespected(string kernel)
    {
        // Padding columns of C must keep their values; A and B padding must be ignored.
        foreach (var (m, n, k) in new[] { (7, 17, 33), (13, 33, 257), (1, 1, 1) })
            foreach (bool ta in new[] { false, true })
                foreach (bool tb in new[] { false, true })
                    Check(Kernel(kernel), ta, tb, m, n, k, alpha: 1, beta: 0.5f, pad: 3);
    }

    [Theory]
    [MemberData(nameof(Kernels))]
    public void AlphaAndBetaScaleProductAndC(string kernel)
    {
        foreach (var (alpha, beta) in new[] { (1f, 1f), (2.5f, 0f), (-0.5f, 1f), (1f, -1.5f), (0.25f, 3f), (0f, 2f) })
            foreach (var (m, n, k) in new[] { (6, 16, 8), (17, 33, 300), (5, 7, 257), (100, 100, 17) })
                Check(Kernel(kernel), false, false, m, n, k, alpha, beta);
    }

    [Theory]
    [MemberData(nameof(Kernels))]
    public void BReadInPlaceMatchesNaiveGemm(string kernel)
    {
        // Every region reads a row-major B in place (strided microkernels; ragged panels packed).
        int saved = Sgemm.DirectBMaxRows;
        Sgemm.DirectBMaxRows = int.MaxValue;
        try
        {
            var kern = Kernel(kernel);
            foreach (var (m, n, k) in new[] { (1, 9, 3), (5, 37, 20), (6, 16, 300), (13, 8, 7), (48, 100, 64), (200, 33, 17), (5, 4200, 3) })
            {
                Check(kern, false, false, m, n, k);
                Check(kern, true, false, m, n, k, 2f, 0.5f, GemmBias.PerRow, new FusedActivation(ActivationKind.Clip, -0.5f, 0.75f), pad: 3);
                Check(kern, false, false, m, n, k, 1f, 0f, GemmBias.PerRow, new FusedActivation(ActivationKind.Relu), pool: CpuThreadPool.Shared(2));
                Check(kern, false, false, m, n, k, 1f, 1f, GemmBias.PerColumn, new FusedActivation(ActivationKind.Tanh));
            }
        }
        finally
        {
            Sgemm.DirectBMaxRows = saved;
        }
    }

    [Theory]
    [MemberData(nameof(Kernels))]
    public unsafe void ARowTableMatchesNaiveGemm(string kernel)
    {
        // A's element (i, k) at data[offsets[k] + i], offsets in no order (a conv's taps over its
        // padded image), against the dense A it stands for: ragged row tiles and column panels
        // (through the scratch tile), K over KC, B packed and not, beta and residual-free epilogues, threads.
        // With a pixel table too, row i is at data[offsets[k] + pixels[i]] (pixels in no order either).
        var kern = Kernel(kernel);
        foreach (var (m, n, k) in new[] { (1, 9, 3), (5, 16, 20), (6, 32, 300), (13, 17, 7), (100, 70, 64), (37, 33, 257), (200, 8, 17) })
            foreach (bool packB in new[] { false, true })
                foreach (bool pixelTable in new[] { false, true })
                {
                    var rng = new Random(m * 131 + n * 17 + k);
                    var offsets = Enumerable.Range(0, k).Select(_ => rng.Next(0, 64)).ToArray();
                    var pixels = Enumerable.Range(0, m).Select(i => pixelTable ? rng.Next(0, 2 * m) : i).ToArray();
                    var data = NaiveGemm.Random(rng, 64 + 2 * m);
                    var dense = new float[m * k];
                    for (int i = 0; i < m; i++)
                        for (int kk = 0; kk < k; kk++) dense[i * k + kk] = data[offsets[kk] + pixels[i]];
                    var b = NaiveGemm.Random(rng, k * n);
                    var c = NaiveGemm.Random(rng, m * n, -2, 2);
                    var bias = NaiveGemm.Random(rng, n);
                    var act = new FusedActivation(ActivationKind.Relu);
                    foreach (var (beta, pool) in new[] { (0f, (CpuThreadPool?)null), (0.5f, null), (0f, CpuThreadPool.Shared(2)) })
                    {
                        var got = (float[])c.Clone();
                        var (want, scale) = NaiveGemm.Compute(false, false, m, n, k, 1.5f, dense, k, b, n, beta, got, n, bias, GemmBias.PerColumn, act);
                        var packed = packB ? Sgemm.PackB(b, k, n, n, kernel: kern) : null;
                        fixed (float* pd = data, pb = b, pc = got, pbias = bias)
                        fixed (int* po = offsets, pp = pixels)
                            Sgemm.Multiply(m, n, k, 1.5f, GemmOperand.RowTableA(pd, po, pixelTable ? pp : null), packed is null ? GemmOperand.MatrixB(pb, n) : GemmOperand.FromPacked(packed),
                                beta, pc, n, new GemmEpilogue(pbias, GemmBias.PerColumn, act), pool, kern);
                        NaiveGemm.AssertClose(want, scale, got, k, $"{kern} A row table M={m} N={n} K={k} packed B={packB} pixel table={pixelTable} beta={beta} threads={pool?.ThreadCount ?? 1}");
                    }
                }
    }

    [Theory]
    [MemberData(nameof(Kernels))]
    public void BiasIsAddedPerRowOrPerColumn(string kernel)
    {
        foreach (var mode in new[] { GemmBias.PerRow, GemmBias.PerColumn })
            foreach (var (m, n, k) in new[] { (6, 16, 8), (17, 33, 300), (1, 100, 5), (100, 1, 7), (13, 40, 1) })
                foreach (float beta in new[] { 0f, 1f, 0.5f })
                    Check(Kernel(kernel), false, true, m, n, k, 1.5f, beta, mode);
    }

    public static TheoryData<string, int> KernelsAndActivations()
    {
        var data = new TheoryData<string, int>();
        foreach (var k in GemmKernel.All)
            if (k.CanRun)
                for (int a = 0; a < Activations.Length; a++) data.Add(k.Name, a);
        return data;
    }

    private static readonly FusedActivation[] Activations =
    [
        FusedActivation.None,
        new(ActivationKind.Relu),
        new(ActivationKind.LeakyRelu, 0.1f),
        new(ActivationKind.Clip, -0.5f, 0.75f),
        new(ActivationKind.Sigmoid),
        new(ActivationKind.Tanh),
        new(ActivationKind.HardSigmoid, 0.2f, 0.5f),
    ];

    [Theory]
    [MemberData(nameof(KernelsAndActivations))]
    public void ActivationIsAppliedAfterBias(string kernel, int activation)
    {
        var act = Activations[activation];
        foreach (var (m, n, k) in new[] { (6, 16, 8), (17, 33, 300), (7, 5, 3), (12, 64, 600) })
        {
            Check(Kernel(kernel), false, false, m, n, k, 1, 0, GemmBias.PerRow, act);
            Check(Kernel(kernel), true, true, m, n, k, 2, 0.5f, GemmBias.PerColumn, act);
        }
    }

    [Fact]
    public void ActivationsReallyChangeTheResult()
    {
        // Guards the activation tests above: with all-negative products Relu must give zeros.
        float[] a = [1, 2, 3, 4];
        float[] b = [-1, -1, -1, -1];
        var c = new float[4];
        Sgemm.Multiply(false, false, 2, 2, 2, 1, a, 2, b, 2, 0, c, 2, activation: new FusedActivation(ActivationKind.Relu));
        Assert.Equal(new float[] { 0, 0, 0, 0 }, c);
        Sgemm.Multiply(false, false, 2, 2, 2, 1, a, 2, b, 2, 0, c, 2, activation: new FusedActivation(ActivationKind.LeakyRelu, 0.5f));
        Assert.Equal(new float[] { -1.5f, -1.5f, -3.5f, -3.5f }, c);
    }

    [Fact]
    public void HandComputedProductWithBiasAndBeta()
    {
        // [1 2; 3 4] · [5 6; 7 8] = [19 22; 43 50]; ·2 + 1·C + column bias [10, 20].
        float[] a = [1, 2, 3, 4], b = [5, 6, 7, 8], c = [1, 1, 1, 1], bias = [10, 20];
        Sgemm.Multiply(false, false, 2, 2, 2, 2, a, 2, b, 2, 1, c, 2, bias, GemmBias.PerColumn);
        Assert.Equal(new float[] { 49, 65, 97, 121 }, c);
        // Aᵀ·Bᵀ = [1 3; 2 4]·[5 7; 6 8] = [23 31; 34 46]
        Sgemm.Multiply(true, true, 2, 2, 2, 1, a, 2, b, 2, 0, c, 2);
        Assert.Equal(new float[] { 23, 31, 34, 46 }, c);
    }

    [Theory]
    [MemberData(nameof(Kernels))]
    public void BlockBoundariesOfMcNcAndKcAreCrossed(string kernel)
    {
        var kern = Kernel(kernel);
        // More rows than MC, more columns than NC (with a ragged last block), K over two KC blocks.
        Check(kern, false, false, kern.MC * 2 + 5, 9, kern.KC * 2 + 3, 1, 0.5f, GemmBias.PerRow, new(ActivationKind.Relu));
        if (kern.IsHardwareAccelerated)
            Check(kern, false, true, 7, kern.NC + kern.NR + 3, 5, 1, 1, GemmBias.PerColumn);
    }

    [Theory]
    [MemberData(nameof(Kernels))]
    public void BetaZeroIgnoresNaNsInC(string kernel)
    {
        int m = 13, n = 37, k = 9;
        var rng = new Random(5);
        var a = NaiveGemm.Random(rng, m * k);
        var b = NaiveGemm.Random(rng, k * n);
        var c = Enumerable.Repeat(float.NaN, m * n).ToArray();
        Sgemm.Multiply(false, false, m, n, k, 1, a, k, b, n, 0, c, n, kernel: Kernel(kernel));
        Assert.DoesNotContain(c, float.IsNaN);
    }

    [Fact]
    public void EmptyKGivesBetaCPlusBiasThroughTheActivation()
    {
        float[] c = [1, -2, 3, -4, 5, -6];
        float[] bias = [10, -10];
        Sgemm.Multiply(false, false, 2, 3, 0, 1, [], 1, [], 3, 2, c, 3, bias, GemmBias.PerRow, new FusedActivation(ActivationKind.Relu));
        Assert.Equal(new float[] { 12, 6, 16, 0, 0, 0 }, c);
    }

    [Fact]
    public void EmptyMOrNIsANoOp()
    {
        float[] c = [7];
        Sgemm.Multiply(false, false, 0, 1, 3, 1, [], 3, [1, 2, 3], 1, 0, c, 1);
        Sgemm.Multiply(false, false, 1, 0, 3, 1, [1, 2, 3], 3, [], 1, 0, c, 1);
        Assert.Equal(7, c[0]);
    }

    [Fact]
    public void BadArgumentsThrow()
    {
        var x = new float[16];
        Assert.Throws<ArgumentException>(() => Sgemm.Multiply(false, false, 4, 4, 4, 1, x.AsSpan(0, 15), 4, x, 4, 0, x, 4));
        Assert.Throws<ArgumentException>(() => Sgemm.Multiply(false, false, 4, 4, 4, 1, x, 3, x, 4, 0, x, 4));
        Assert.Throws<ArgumentException>(() => Sgemm.Multiply(false, false, 4, 4, 4, 1, x, 4, x, 4, 0, x.AsSpan(0, 10), 4));
        Assert.Throws<ArgumentException>(() => Sgemm.Multiply(false, false, 4, 4, 4, 1, x, 4, x, 4, 0, x, 4, x.AsSpan(0, 3), GemmBias.PerRow));
        Assert.Throws<ArgumentOutOfRangeException>(() => Sgemm.Multiply(false, false, -1, 4, 4, 1, x, 4, x, 4, 0, x, 4));
        var packed = Sgemm.PackA(x, 4, 4, 4);
        Assert.Throws<ArgumentException>(() => MultiplyPacked(packed, 4, 4, 3));
        Assert.Throws<ArgumentException>(() => MultiplyPacked(packed, 4, 4, 4, GemmKernel.Scalar == packed.Kernel ? GemmKernel.Vector128 : GemmKernel.Scalar));
    }

    private static unsafe void MultiplyPacked(PackedMatrix a, int m, int n, int k, GemmKernel? kernel = null)
    {
        var b = new float[Math.Max(1, k * n)];
        var c = new float[m * n];
        fixed (float* pb = b, pc = c)
            Sgemm.Multiply(m, n, k, 1, GemmOperand.FromPacked(a), GemmOperand.MatrixB(pb, n), 0, pc, n, default, null, kernel);
    }

    public static TheoryData<string, int> KernelsAndThreads()
    {
        var data = new TheoryData<string, int>();
        foreach (var k in GemmKernel.All)
            if (k.IsHardwareAccelerated && k.CanRun)
                foreach (int t in new[] { 2, 3, 4 })
                    data.Add(k.Name, t);
        return data;
    }

    [Theory]
    [MemberData(nameof(KernelsAndThreads))]
    public void ThreadedSplitsMatchNaiveGemm(string kernel, int threads)
    {
        var pool = CpuThreadPool.Shared(threads);
        var kern = Kernel(kernel);
        // Tall (split along M), wide (split along N), square, and tiny (stays serial); all but the
        // tiny one are above the parallel threshold.
        foreach (var (m, n, k) in new[] { (600, 40, 128), (40, 600, 128), (129, 130, 131), (3, 4, 5), (7, 1000, 300), (1200, 7, 200) })
            foreach (bool tb in new[] { false, true })
                Check(kern, false, tb, m, n, k, 1, 0.5f, GemmBias.PerRow, new(ActivationKind.Relu), pool: pool);
    }

    [Theory]
    [MemberData(nameof(Kernels))]
    public unsafe void PrePackedOperandsGiveBitIdenticalResults(string kernel)
    {
        var kern = Kernel(kernel);
        var rng = new Random(3);
        foreach (var (m, n, k) in new[] { (17, 33, 300), (6, 16, 256), (1, 5, 7), (40, 3, 513) })
            foreach (bool ta in new[] { false, true })
                foreach (bool tb in new[] { false, true })
                    foreach (int threads in new[] { 1, 2 })
                    {
                        int lda = ta ? m : k, ldb = tb ? k : n;
                        var a = NaiveGemm.Random(rng, m * k);
                        var b = NaiveGemm.Random(rng, k * n);
                        var bias = NaiveGemm.Random(rng, m);
                        var c0 = NaiveGemm.Random(rng, m * n);
                        var want = (float[])c0.Clone();
                        var pool = CpuThreadPool.Shared(threads);
                        var act = new FusedActivation(ActivationKind.Clip, -0.5f, 0.5f);
                        Sgemm.Multiply(ta, tb, m, n, k, 0.75f, a, lda, b, ldb, 0.5f, want, n, bias, GemmBias.PerRow, act, pool, kern);
                        var pa = Sgemm.PackA(a, m, k, lda, ta, kern);
                        var pb = Sgemm.PackB(b, k, n, ldb, tb, kern);
                        Assert.Equal(kern, pa.Kernel);
                        foreach (var (useA, useB) in new[] { (true, false), (false, true), (true, true) })
                        {
                            var got = (float[])c0.Clone();
                            fixed (float* ap = a, bp = b, cp = got, biasp = bias)
                            {
                                var opA = useA ? GemmOperand.FromPacked(pa) : GemmOperand.MatrixA(ap, lda, ta);
                                var opB = useB ? GemmOperand.FromPacked(pb) : GemmOperand.MatrixB(bp, ldb, tb);
                                Sgemm.Multiply(m, n, k, 0.75f, opA, opB, 0.5f, cp, n, new GemmEpilogue(biasp, GemmBias.PerRow, act), pool);
                            }
                            Assert.Equal(want, got);
                        }
                    }
    }

    /// <summary>A panel source computing A(i,k) = i − 2k on the fly, as an im2col source would gather from an image.</summary>
    private sealed unsafe class FormulaSource : IGemmPanelSource
    {
        public static float Value(int x, int k) => (x - 2 * k) * 0.01f;

        public void PackPanel(float* dst, int width, int x0, int count, int k0, int kc)
        {
            for (int kk = 0; kk < kc; kk++)
                for (int x = 0; x < width; x++)
                    dst[kk * width + x] = x < count ? Value(x0 + x, k0 + kk) : 0;
        }
    }

    [Theory]
    [MemberData(nameof(Kernels))]
    public unsafe void CustomPanelSourcesFeedEitherOperand(string kernel)
    {
        var kern = Kernel(kernel);
        int m = 23, n = 37, k = 270;
        var dense = new float[m * k];
        for (int i = 0; i < m; i++)
            for (int p = 0; p < k; p++) dense[i * k + p] = FormulaSource.Value(i, p);
        var denseT = new float[k * n]; // B(k, j) = Value(j, k)
        for (int p = 0; p < k; p++)
            for (int j = 0; j < n; j++) denseT[p * n + j] = FormulaSource.Value(j, p);
        var rng = new Random(9);
        var other = NaiveGemm.Random(rng, k * Math.Max(m, n));

        var want = new float[m * n];
        Sgemm.Multiply(false, false, m, n, k, 1, dense, k, other, n, 0, want, n, kernel: kern);
        var got = new float[m * n];
        fixed (float* op = other, cp = got)
            Sgemm.Multiply(m, n, k, 1, GemmOperand.FromSource(new FormulaSource()), GemmOperand.MatrixB(op, n), 0, cp, n, default, CpuThreadPool.Shared(2), kern);
        Assert.Equal(want, got);

        Sgemm.Multiply(true, false, m, n, k, 1, other, m, denseT, n, 0, want, n, kernel: kern);
        fixed (float* op = other, cp = got)
            Sgemm.Multiply(m, n, k, 1, GemmOperand.MatrixA(op, m, transposed: true), GemmOperand.FromSource(new FormulaSource()), 0, cp, n, default, null, kern);
        Assert.Equal(want, got);
    }

    [Fact]
    public void BestKernelIsHardwareAccelerated()
    {
        Assert.True(GemmKernel.Best.CanRun);
        Assert.True(GemmKernel.Best.IsHardwareAccelerated);
        if (System.Runtime.Intrinsics.X86.Fma.IsSupported && System.Runtime.Intrinsics.X86.Avx2.IsSupported
            && Environment.GetEnvironmentVariable("KV_GEMM_KERNEL") is null or "")
            Assert.True(GemmKernel.Best.NR >= 16);
    }
}

public class SgemmSplitTests
{
    private static readonly GemmKernel K = GemmKernel.Avx2.CanRun ? GemmKernel.Avx2 : GemmKernel.Vector128;

    [Fact]
    public void ThreadedTestShapesReallySplit()
    {
        foreach (var (m, n, k) in new[] { (600, 40, 128), (40, 600, 128), (129, 130, 131), (7, 1000, 300), (1200, 7, 200) })
        {
            var (tm, tn) = Sgemm.ChooseSplit(m, n, k, false, false, K, 2);
            Assert.True(tm * tn > 1, $"{m}x{n}x{k} runs serially");
        }
    }

    [Fact]
    public void SmallProblemsStayOnOneThread()
    {
        Assert.Equal((1, 1), Sgemm.ChooseSplit(16, 16, 16, false, false, K, 2));
        Assert.Equal((1, 1), Sgemm.ChooseSplit(1000, 1000, 1000, false, false, K, 1));
    }

    [Fact]
    public void WeightStreamingMatrixVectorProductsSplit()
    {
        // A classifier at batch 1 (1280 → 1000, weights pre-packed): few flops, but 5 MB of weights to stream.
        var (tm, tn) = Sgemm.ChooseSplit(1, 1000, 1280, false, true, K, 2);
        Assert.Equal(1, tm);
        Assert.True(tn >= 2, $"tn = {tn}");
        // A small one stays serial: its operands fit in cache.
        Assert.Equal((1, 1), Sgemm.ChooseSplit(1, 100, 128, false, true, K, 2));
    }

    [Fact]
    public void WideConvLikeProductsSplitColumnsIntoWholeWaves()
    {
        // ResNet-like 3×3 conv, weights pre-packed: columns (pixels) split, no packing duplicated.
        var (tm, tn) = Sgemm.ChooseSplit(64, 3136, 576, true, false, K, 2);
        Assert.Equal(1, tm);
        Assert.True(tn >= 2 && tn % 2 == 0, $"tn = {tn}");
    }

    [Fact]
    public void TallNarrowProductsSplitRows()
    {
        // Last ResNet stage: 512 channels, 7×7 pixels — only 4 column panels, so rows are split.
        var (tm, _) = Sgemm.ChooseSplit(512, 49, 4608, true, false, K, 2);
        Assert.True(tm >= 2, $"tm = {tm}");
    }

    [Fact]
    public void RowVectorTimesPackedWeightsSplitsColumns()
    {
        var (tm, tn) = Sgemm.ChooseSplit(1, 4096, 4096, false, true, K, 2);
        Assert.Equal(1, tm);
        Assert.True(tn >= 2);
    }

    [Fact]
    public void SquareUnpackedProductsUseEveryThreadWithoutOverSplitting()
    {
        var (tm, tn) = Sgemm.ChooseSplit(1024, 1024, 1024, false, false, K, 2);
        Assert.Equal(0, tm * tn % 2);
        Assert.True(tm * tn <= 4, $"{tm}×{tn}: packing duplicated too often");
    }
}
