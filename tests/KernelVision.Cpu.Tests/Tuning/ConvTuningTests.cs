using KernelVision.Backends;
using KernelVision.Backends.Reference;
using KernelVision.Cpu.Kernels.Neural;
using KernelVision.Cpu.Tuning;
using KernelVision.Graph;
using KernelVision.Ops;
using KernelVision.Tensors;
using Xunit;

namespace KernelVision.Cpu.Tests.Tuning;

/// <summary>
/// The Conv autotuner: every candidate it times computes the conv (checked against Reference), the
/// winner is stored and read back, and a damaged or foreign cache entry falls back to the rules.
/// The cache lives in a directory of this test run (KV_TUNING_CACHE, set before the first cache is made).
/// </summary>
[Collection(nameof(ConvTuningTests))] // one cache directory per process: these tests take turns
public sealed class ConvTuningTests
{
    private static readonly string CacheDir = Path.Combine(Path.GetTempPath(), $"kv-tuning-tests-{Environment.ProcessId}");

    static ConvTuningTests() => Environment.SetEnvironmentVariable("KV_TUNING_CACHE", CacheDir);

    // Five threads: a machine key no other test (or user run) shares.
    private static readonly CpuBackend Backend = new(5);

    private static (ConvCpu Kernel, Tensor[] Inputs, Tensor Want) Conv3x3(int c, int hw, int seed, int stride = 1)
    {
        var node = new Node
        {
            Name = "tuned_conv",
            OpType = "Conv",
            Inputs = ["x", "w", "b"],
            Outputs = ["y"],
            Attributes = new AttributeSet(
            [
                new Graph.Attribute { Name = "kernel_shape", Kind = AttributeKind.Ints, Ints = [3, 3] },
                new Graph.Attribute { Name = "pads", Kind = AttributeKind.Ints, Ints = [1, 1, 1, 1] },
                new Graph.Attribute { Name = "strides", Kind = AttributeKind.Ints, Ints = [stride, stride] },
            ], "Conv"),
        };
        var op = OpRegistry.Create(node, 13);
        var rng = new Random(seed);
        Tensor[] inputs = [CpuVsReference.Random(rng, [1, c, hw, hw]), CpuVsReference.Random(rng, [c, c, 3, 3], -0.2f, 0.2f), CpuVsReference.Random(rng, [c])];
        var want = ReferenceEvaluator.Evaluate(op, inputs)[0]!;
        return ((ConvCpu)Backend.CreateKernel(op)!, inputs, want);
    }

    private static Tensor Run(ConvCpu kernel, Tensor?[] inputs, Tensor want)
    {
        var y = Tensor.Zeros(DataType.Float32, want.Shape);
        kernel.Run(inputs, [y]);
        return y;
    }

    /// <summary>A 1×1 conv with a fused BatchNormalization + ReLU on its input (DenseNet's bottleneck).</summary>
    private static (ConvCpu Kernel, Tensor?[] Inputs, Tensor Want) NormalizedPointwise(int seed)
    {
        var bn = (Ops.Neural.BatchNormalization)OpRegistry.Create(new Node
        {
            Name = "bn",
            OpType = "BatchNormalization",
            Inputs = ["x", "s", "bb", "m", "v"],
            Outputs = ["n"],
            Attributes = new AttributeSet([], "BatchNormalization"),
        }, 13);
        bn.Activation = new FusedActivation(ActivationKind.Relu);
        var conv = (Ops.Neural.Conv)OpRegistry.Create(new Node
        {
            Name = "tuned_bn_conv",
            OpType = "Conv",
            Inputs = ["x", "w", "b", "", "s", "bb", "m", "v"],
            Outputs = ["y"],
            Attributes = new AttributeSet([], "Conv"),
        }, 13);
        conv.InputNormalization = bn;
        var rng = new Random(seed);
        int c = 48, m = 64;
        var variance = CpuVsReference.Random(rng, [c], 0.5f, 2f);
        Tensor?[] inputs = [CpuVsReference.Random(rng, [1, c, 14, 14]), CpuVsReference.Random(rng, [m, c, 1, 1]), CpuVsReference.Random(rng, [m]), null,
            CpuVsReference.Random(rng, [c]), CpuVsReference.Random(rng, [c]), CpuVsReference.Random(rng, [c]), variance];
        var want = ReferenceEvaluator.Evaluate(conv, inputs)[0]!;
        return ((ConvCpu)Backend.CreateKernel(conv)!, inputs, want);
    }

    [Fact]
    public void NormalizedInputIsRightOnEveryCandidateAndOnTheTuningRun()
    {
        // The packed candidates normalise while packing, the in-place one reads a normalised copy:
        // the tuning run itself (whichever wins) and every cached choice must give the same Y.
        TuningCache.For(Backend.Threads).Clear();
        var (kernel, inputs, want) = NormalizedPointwise(3);
        kernel.Tuning = KernelTuning.Full;
        CpuVsReference.AssertMatch(want, Run(kernel, inputs, want), exact: false, rtol: 1e-4, "normalised conv, tuning run");
        var t = Assert.IsType<TuningResult>(kernel.LastTuning);
        Assert.Equal(["Pointwise", "PointwiseInPlace", "PointwiseInPlaceT", "PointwiseT"], t.Candidates.Select(c => c.Name).Order());
        foreach (var choice in new[] { "Pointwise", "PointwiseT", "PointwiseInPlace", "PointwiseInPlaceT" })
        {
            TuningCache.For(Backend.Threads).Set(t.NodeKey, choice);
            var (cached, _, _) = NormalizedPointwise(3);
            cached.Tuning = KernelTuning.Cached;
            CpuVsReference.AssertMatch(want, Run(cached, inputs, want), exact: false, rtol: 1e-4, choice);
            Assert.StartsWith(choice + " ", cached.Variant);
        }
    }

    [Fact]
    public void FullTuningTimesEveryPathKeepsTheFastestAndCachesIt()
    {
        TuningCache.For(Backend.Threads).Clear();
        var (kernel, inputs, want) = Conv3x3(32, 12, 1);
        kernel.Tuning = KernelTuning.Full;
        var y = Run(kernel, inputs, want);
        CpuVsReference.AssertMatch(want, y, exact: false, rtol: 1e-4, "tuned conv, first run");

        var t = Assert.IsType<TuningResult>(kernel.LastTuning);
        Assert.False(t.FromCache);
        // im2col both ways and in place, and Winograd F(2×2) and F(4×4), all apply to a 3×3 stride-1 conv with 32 channels.
        Assert.Equal(["Im2Col", "Im2ColInPlace", "Im2ColInPlaceT", "Im2ColT", "WinogradF2", "WinogradF4"], t.Candidates.Select(c => c.Name).Order());
        Assert.All(t.Candidates, c => Assert.True(c.Milliseconds > 0 && double.IsFinite(c.Milliseconds)));
        Assert.Equal(t.Candidates.Min(c => c.Milliseconds), t.Candidates[0].Milliseconds);
        Assert.StartsWith(t.Chosen + " ", kernel.Variant);

        // Later runs use the winner and stay correct.
        CpuVsReference.AssertMatch(want, Run(kernel, inputs, want), exact: false, rtol: 1e-4, "tuned conv, second run");

        // The file holds the choice; a new kernel in cached mode reads it without timing.
        var cache = TuningCache.For(Backend.Threads);
        Assert.True(File.Exists(cache.FilePath), cache.FilePath);
        Assert.Contains(t.Chosen, File.ReadAllText(cache.FilePath!));
        var (again, _, _) = Conv3x3(32, 12, 1);
        again.Tuning = KernelTuning.Cached;
        CpuVsReference.AssertMatch(want, Run(again, inputs, want), exact: false, rtol: 1e-4, "cached choice");
        var cached = Assert.IsType<TuningResult>(again.LastTuning);
        Assert.True(cached.FromCache);
        Assert.Equal(t.Chosen, cached.Chosen);
    }

    [Fact]
    public void StridedConvTimesThePhaseSplitInPlaceForm()
    {
        // Stride 2: no Winograd, but im2col in place over the phase-split image; each candidate
        // is right on the tuning run (its own output) and the winner's plan after it.
        TuningCache.For(Backend.Threads).Clear();
        var (kernel, inputs, want) = Conv3x3(24, 15, 3, stride: 2);
        kernel.Tuning = KernelTuning.Full;
        CpuVsReference.AssertMatch(want, Run(kernel, inputs, want), exact: false, rtol: 1e-4, "tuned stride-2 conv, first run");
        var t = Assert.IsType<TuningResult>(kernel.LastTuning);
        Assert.Equal(["Im2Col", "Im2ColInPlace", "Im2ColInPlaceT", "Im2ColT"], t.Candidates.Select(c => c.Name).Order());
        Assert.All(t.Candidates, c => Assert.True(c.Milliseconds > 0 && double.IsFinite(c.Milliseconds)));
        CpuVsReference.AssertMatch(want, Run(kernel, inputs, want), exact: false, rtol: 1e-4, "tuned stride-2 conv, second run");

        foreach (string choice in new[] { "Im2ColInPlace", "Im2ColInPlaceT" })
        {
            TuningCache.For(Backend.Threads).Set(t.NodeKey, choice);
            var (cached, _, _) = Conv3x3(24, 15, 3, stride: 2);
            cached.Tuning = KernelTuning.Cached;
            CpuVsReference.AssertMatch(want, Run(cached, inputs, want), exact: false, rtol: 1e-4, $"cached stride-2 {choice} choice");
            Assert.StartsWith(choice + " ", cached.Variant);
        }
    }

    [Theory]
    [InlineData("Im2Col")]
    [InlineData("Im2ColT")]
    [InlineData("Im2ColInPlaceT")]
    [InlineData("WinogradF2")]
    public void EachCachedChoiceIsHonouredAndCorrect(string choice)
    {
        var (probe, inputs, want) = Conv3x3(40, 9, 2);
        probe.Tuning = KernelTuning.Full;
        TuningCache.For(Backend.Threads).Clear();
        Run(probe, inputs, want);
        var key = probe.LastTuning!.NodeKey;
        TuningCache.For(Backend.Threads).Set(key, choice);

        var (kernel, _, _) = Conv3x3(40, 9, 2);
        kernel.Tuning = KernelTuning.Cached;
        CpuVsReference.AssertMatch(want, Run(kernel, inputs, want), exact: false, rtol: 1e-4, choice);
        Assert.StartsWith(choice + " ", kernel.Variant);
    }

    [Fact]
    public void UnknownChoiceOrDamagedFileFallsBackToTheRules()
    {
        var (probe, inputs, want) = Conv3x3(32, 8, 3);
        probe.Tuning = KernelTuning.Full;
        Run(probe, inputs, want);
        var cache = TuningCache.For(Backend.Threads);
        cache.Set(probe.LastTuning!.NodeKey, "NoSuchPath");

        var (kernel, _, _) = Conv3x3(32, 8, 3);
        kernel.Tuning = KernelTuning.Cached;
        CpuVsReference.AssertMatch(want, Run(kernel, inputs, want), exact: false, rtol: 1e-4, "unknown choice");
        Assert.Null(kernel.LastTuning); // rules, not the bogus entry

        File.WriteAllText(cache.FilePath!, "{ not json");
        cache.Set("Conv something else", "Im2Col"); // rewrites the damaged file instead of failing
        Assert.Contains("Im2Col", File.ReadAllText(cache.FilePath!));
    }

    [Fact]
    public void CacheFileRoundTripsAndRejectsOtherShapes()
    {
        // What one process writes, the next reads back exactly (keys hold spaces, commas, quotes
        // and non-ASCII); a file of another shape is empty, never half-trusted.
        var cache = TuningCache.For(Backend.Threads);
        const string key = "Conv x1,64,56,56 w64,64,3,3 g1 3x3 \"odd\" ×";
        cache.Set(key, "Im2ColInPlaceT");
        var read = TuningCache.Read(cache.FilePath);
        Assert.Equal("Im2ColInPlaceT", read[key]);
        Assert.Equal(cache.Get(key), read[key]);

        string path = Path.Combine(CacheDir, "shapes.json");
        foreach (string text in new[] { "{ not json", "[]", "{\"Choices\": []}", "{\"Choices\": {\"a\": 1}}", "{\"Machine\": \"m\"}" })
        {
            File.WriteAllText(path, text);
            Assert.Empty(TuningCache.Read(path));
        }
        File.WriteAllText(path, "{\"Machine\": \"m\", \"Choices\": {\"a\": \"Im2Col\", \"b\": \"WinogradF2\"}}");
        Assert.Equal(new Dictionary<string, string> { ["a"] = "Im2Col", ["b"] = "WinogradF2" }, TuningCache.Read(path));
    }

    [Fact]
    public void TuningOffTimesNothing()
    {
        var (kernel, inputs, want) = Conv3x3(32, 12, 4);
        Assert.Equal(KernelTuning.Off, kernel.Tuning); // a kernel made outside a session: the rules
        CpuVsReference.AssertMatch(want, Run(kernel, inputs, want), exact: false, rtol: 1e-4, "rules");
        Assert.Null(kernel.LastTuning);
    }
}
