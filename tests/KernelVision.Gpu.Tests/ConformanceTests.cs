using KernelVision.Conformance;
using KernelVision.Execution;
using Xunit;

namespace KernelVision.Gpu.Tests;

/// <summary>
/// Every ONNX conformance case on gpu-sim (the same cases and tolerances as `kv conformance DIR --backend gpu-sim`),
/// except the zoo models in <see cref="TooSlowForEveryRun"/>.
/// </summary>
public class ConformanceTests
{
    /// <summary>The vendored conformance corpus.</summary>
    public static string Root => TestSupport.ConformanceData.Root;

    private static readonly List<ConformanceCase> All = ConformanceSuite.Discover(Root);

    /// <summary>
    /// Cases left out of this theory because the simulator needs too long for every test run, with the
    /// gpu-sim time measured on the 2-core build machine (shared, so under load). Each passes when run:
    /// <c>kv conformance tests/data/onnx-backend --backend gpu-sim --filter NAME</c>.
    /// </summary>
    public static readonly IReadOnlyDictionary<string, string> TooSlowForEveryRun = new Dictionary<string, string>
    {
        ["light_bvlc_alexnet"] = "57 s on gpu-sim",
        ["light_densenet121"] = "59 s on gpu-sim",
        ["light_inception_v1"] = "40 s on gpu-sim",
        ["light_inception_v2"] = "31 s on gpu-sim",
        ["light_resnet50"] = "55 s on gpu-sim",
        ["light_shufflenet"] = "52 s on gpu-sim",
        ["light_vgg19"] = "280 s on gpu-sim",
        ["light_zfnet512"] = "110 s on gpu-sim",
    };

    public static IEnumerable<object[]> Cases() =>
        All.Where(c => !TooSlowForEveryRun.ContainsKey(c.Name)).Select(c => new object[] { c.RelativePath });

    [Theory]
    [MemberData(nameof(Cases))]
    public void PassesOnGpuSim(string path)
    {
        var c = All.SingleOrDefault(x => x.RelativePath == path);
        Assert.True(c is not null, $"{path} not found under {Root}");
        var r = ConformanceSuite.Run(c!, new SessionOptions { Backend = new GpuBackend(GpuCheck.Sim, "gpu-sim") });
        Assert.True(r.Status != CaseStatus.Failed, $"{path}: {r.Detail}");
    }

    [Theory]
    [MemberData(nameof(SlowCases))]
    public void SlowCasesExist(string name) =>
        // Keeps the exclusion list honest: a renamed or removed case must be taken off it.
        Assert.Contains(All, c => c.Name == name);

    public static IEnumerable<object[]> SlowCases() => TooSlowForEveryRun.Keys.Select(k => new object[] { k });
}
