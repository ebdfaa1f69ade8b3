using Xunit;

namespace KernelVision.Tests;

/// <summary>Where the tests' external data lives: the ONNX conformance corpus and the exported test models.</summary>
public static class TestData
{
    /// <summary>The repository root (the folder holding KernelVision.sln).</summary>
    public static string RepoRoot { get; } = FindRepoRoot();

    /// <summary>ONNX backend test data vendored in tests/data/onnx-backend (or $KV_ONNX_TESTDATA).</summary>
    public static string ConformanceDir => TestSupport.ConformanceData.Root;

    /// <summary>Models exported by tools/make_test_models.py: $KV_TEST_MODELS, else artifacts/test-models; null when absent.</summary>
    public static string? ModelsDir { get; } = Existing(Environment.GetEnvironmentVariable("KV_TEST_MODELS"))
        ?? Existing(Path.Combine(RepoRoot, "artifacts", "test-models"));

    private static string? Existing(string? p) => p is not null && Directory.Exists(p) ? Path.GetFullPath(p) : null;

    private static string FindRepoRoot()
    {
        for (var d = new DirectoryInfo(AppContext.BaseDirectory); d is not null; d = d.Parent)
            if (File.Exists(Path.Combine(d.FullName, "KernelVision.sln"))) return d.FullName;
        throw new InvalidOperationException("cannot find KernelVision.sln above " + AppContext.BaseDirectory);
    }
}

/// <summary>A theory that is skipped, loudly, when the exported test models are absent (run ./test.sh, which makes them).</summary>
public sealed class ModelTheoryAttribute : TheoryAttribute
{
    public ModelTheoryAttribute()
    {
        if (TestData.ModelsDir is null)
            Skip = "exported test models not found: run ./test.sh (or /usr/bin/python3 tools/make_test_models.py artifacts/test-models)";
    }
}
