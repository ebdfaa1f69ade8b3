namespace KernelVision.TestSupport;

/// <summary>
/// Where the vendored ONNX backend-test corpus lives: <c>tests/data/onnx-backend</c> in the
/// repository (Apache-2.0, see its SOURCE.md), or <c>$KV_ONNX_TESTDATA</c> when set. The corpus ships
/// with every clone, so a missing one is a broken checkout: it fails the tests instead of skipping them.
/// Linked into each test project that runs conformance cases.
/// </summary>
public static class ConformanceData
{
    /// <summary>The corpus folder (holds MANIFEST.tsv, onnx-node/ and onnx-models/).</summary>
    public static string Root { get; } = Find();

    private static string Find()
    {
        var env = Environment.GetEnvironmentVariable("KV_ONNX_TESTDATA");
        string dir = string.IsNullOrEmpty(env) ? Path.Combine(FindRepoRoot(), "tests", "data", "onnx-backend") : Path.GetFullPath(env);
        if (!File.Exists(Path.Combine(dir, "MANIFEST.tsv")))
            throw new InvalidOperationException($"ONNX conformance corpus not found at {dir} (no MANIFEST.tsv): " +
                (string.IsNullOrEmpty(env) ? "the checkout is incomplete" : "KV_ONNX_TESTDATA points at the wrong folder"));
        return dir;
    }

    private static string FindRepoRoot()
    {
        for (var d = new DirectoryInfo(AppContext.BaseDirectory); d is not null; d = d.Parent)
            if (File.Exists(Path.Combine(d.FullName, "KernelVision.sln"))) return d.FullName;
        throw new InvalidOperationException("cannot find KernelVision.sln above " + AppContext.BaseDirectory);
    }
}
