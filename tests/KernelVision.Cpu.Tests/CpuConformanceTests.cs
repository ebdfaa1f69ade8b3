using System.Reflection;
using KernelVision.Conformance;
using KernelVision.Execution;
using KernelVision.Ops;
using Xunit;

namespace KernelVision.Cpu.Tests;

/// <summary>
/// The ONNX conformance cases (onnx-node) of every op with a Cpu kernel, run on the Cpu backend:
/// each must pass as on Reference or be on the shared skip list. Ops without a Cpu kernel in the same
/// graph run on the Reference fallback.
/// </summary>
public class CpuConformanceTests
{
    private static string Root => TestSupport.ConformanceData.Root;

    /// <summary>ONNX op types that have a Cpu kernel.</summary>
    private static HashSet<string> CpuOpTypes() => CpuBackend.ImplementedOps
        .SelectMany(t => t.GetCustomAttributes<OnnxOpAttribute>()).Select(a => a.OpType).ToHashSet();

    public static IEnumerable<object[]> Cases()
    {
        var ops = CpuOpTypes();
        return File.ReadLines(Path.Combine(Root, "MANIFEST.tsv")).Skip(1)
            .Select(line => line.Split('\t'))
            .Where(f => f[0].StartsWith("onnx-node/", StringComparison.Ordinal) && f[1].Split(',').Any(ops.Contains))
            .Select(f => new object[] { f[0] });
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void CpuBackendPasses(string relativePath)
    {
        var c = ConformanceSuite.Discover(Path.Combine(Root, relativePath)).Single();
        var r = ConformanceSuite.Run(c, new SessionOptions { Backend = CpuVsReference.Threaded }, alsoInto: true);
        Assert.True(r.Status != CaseStatus.Failed, $"{relativePath}: {r.Detail}");
    }
}
