using KernelVision.Conformance;
using KernelVision.Execution;
using KernelVision.Ops.Neural;
using Xunit;

namespace KernelVision.Cpu.Tests.Neural;

/// <summary>
/// The official ONNX node tests of Conv and ConvTranspose on the Cpu backend (the same check as
/// <c>kv conformance DIR --backend cpu --filter conv</c>).
/// </summary>
public class ConvConformanceTests
{
    private static string Root => TestSupport.ConformanceData.Root;

    [Fact]
    public void ConvCasesPassOnCpu()
    {
        Assert.Contains(typeof(Ops.Neural.Conv), CpuBackend.ImplementedOps);
        Assert.Contains(typeof(ConvTranspose), CpuBackend.ImplementedOps);
        var options = new SessionOptions { Backend = new CpuBackend(2), AllowReferenceFallback = false };
        var cases = ConformanceSuite.Discover(Root)
            .Where(c => c.Name.StartsWith("test_conv", StringComparison.Ordinal) || c.Name.StartsWith("test_basic_conv", StringComparison.Ordinal))
            .ToList();
        Assert.NotEmpty(cases);
        var failed = new List<string>();
        int passed = 0;
        foreach (var c in cases)
        {
            var r = ConformanceSuite.Run(c, options);
            if (r.Status == CaseStatus.Failed) failed.Add($"{c.Name}: {r.Detail}");
            else if (r.Status == CaseStatus.Passed) passed++;
        }
        Assert.True(failed.Count == 0, $"{failed.Count} of {cases.Count} failed:\n" + string.Join("\n", failed));
        Assert.True(passed > 10, $"only {passed} cases passed");
    }
}
