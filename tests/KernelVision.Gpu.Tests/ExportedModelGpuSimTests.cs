using System.Diagnostics;
using KernelVision.Backends.Reference;
using KernelVision.Conformance;
using KernelVision.Execution;
using KernelVision.Onnx;
using KernelVision.Tensors;
using Xunit;
using Xunit.Abstractions;

namespace KernelVision.Gpu.Tests;

/// <summary>A theory that is skipped, loudly, when the exported test models are absent (./test.sh always makes them).</summary>
public sealed class GpuSimModelTheoryAttribute : TheoryAttribute
{
    public GpuSimModelTheoryAttribute()
    {
        if (ExportedModelGpuSimTests.ModelsDir is null)
            Skip = "exported test models not found: run ./test.sh (or /usr/bin/python3 tools/make_test_models.py artifacts/test-models)";
    }
}

/// <summary>
/// Whole PyTorch-exported CNN/GAN models (tools/make_test_models.py) on gpu-sim: the output must match
/// Reference and PyTorch within max|err| ≤ 1e-4·max|out|. The 32×32 variants keep the simulator's run short.
/// </summary>
public class ExportedModelGpuSimTests(ITestOutputHelper log)
{
    /// <summary>$KV_TEST_MODELS, else artifacts/test-models in the repository; null when absent.</summary>
    public static readonly string? ModelsDir = FindModels();

    private static string? FindModels()
    {
        var env = Environment.GetEnvironmentVariable("KV_TEST_MODELS");
        if (env is not null && Directory.Exists(env)) return Path.GetFullPath(env);
        for (var d = new DirectoryInfo(AppContext.BaseDirectory); d is not null; d = d.Parent)
        {
            if (!File.Exists(Path.Combine(d.FullName, "KernelVision.sln"))) continue;
            var p = Path.Combine(d.FullName, "artifacts", "test-models");
            return Directory.Exists(p) ? p : null;
        }
        return null;
    }

    public static IEnumerable<object[]> Models() =>
        [["dcgan_generator"], ["mobilenet_v2_32"], ["resnet18_32"], ["unet_small_32"]];

    [GpuSimModelTheory]
    [MemberData(nameof(Models))]
    public void MatchesReferenceAndPyTorch(string name)
    {
        string dir = Path.Combine(ModelsDir!, name);
        Assert.True(Directory.Exists(dir), $"{dir} missing: the test models are stale; re-run /usr/bin/python3 tools/make_test_models.py {ModelsDir}");
        var c = ConformanceSuite.Discover(dir).Single();
        string set = Path.Combine(dir, "test_data_set_0");
        var (inName, input) = TensorProtoConverter.ReadFile(Path.Combine(set, "input_0.pb"));
        var pytorch = TensorProtoConverter.ReadFile(Path.Combine(set, "output_0.pb")).Tensor;

        var reference = Run(c.ModelPath, new SessionOptions { Backend = ReferenceBackend.Instance }, inName, input);
        var sw = Stopwatch.StartNew();
        var sim = Run(c.ModelPath, new SessionOptions { Backend = new GpuBackend(GpuCheck.Sim, "gpu-sim") }, inName, input);
        log.WriteLine($"{name}: gpu-sim {sw.Elapsed.TotalSeconds:F1} s");

        Within(name + " gpu-sim vs Reference", reference, sim);
        Within(name + " gpu-sim vs PyTorch", pytorch, sim);
    }

    private static Tensor Run(string model, SessionOptions options, string inName, Tensor input)
    {
        var session = InferenceSession.Load(model, options);
        string key = session.Inputs.Any(i => i.Name == inName) ? inName : session.Inputs[0].Name;
        return session.Run(new Dictionary<string, Tensor> { [key] = input })[session.Outputs[0].Name];
    }

    private void Within(string what, Tensor expected, Tensor actual)
    {
        Assert.Equal(expected.Shape, actual.Shape);
        double maxOut = 0, maxErr = 0;
        for (int i = 0; i < expected.Length; i++)
        {
            maxOut = Math.Max(maxOut, Math.Abs(expected.GetDouble(i)));
            double e = Math.Abs(expected.GetDouble(i) - actual.GetDouble(i));
            maxErr = double.IsNaN(e) ? double.PositiveInfinity : Math.Max(maxErr, e);
        }
        log.WriteLine($"{what}: max|err| {maxErr:G3}, max|out| {maxOut:G4}, ratio {maxErr / maxOut:G3}");
        Assert.True(maxOut > 0, $"{what}: all-zero expected output");
        Assert.True(maxErr <= 1e-4 * maxOut, $"{what}: max|err| {maxErr:G4} > 1e-4 · max|out| {maxOut:G4}");
    }
}
