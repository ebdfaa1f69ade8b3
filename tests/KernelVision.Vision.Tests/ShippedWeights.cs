using System.Text.Json;

namespace KernelVision.Vision.Tests;

/// <summary>Where the shipped weights live (weights/ at the repository root) and how tests open them.</summary>
public static class ShippedWeights
{
    /// <summary>The repository root (the folder holding KernelVision.sln).</summary>
    public static string RepoRoot { get; } = FindRepoRoot();

    /// <summary>weights/ of the repository.</summary>
    public static string Dir => Path.Combine(RepoRoot, "weights");

    /// <summary>The folder of a shipped model; fails clearly when it is not there.</summary>
    public static string Model(string name)
    {
        string d = Path.Combine(Dir, name);
        if (!File.Exists(Path.Combine(d, "model.onnx")) || !File.Exists(Path.Combine(d, "model.json")))
            throw new InvalidOperationException($"shipped model {d} (model.onnx + model.json) is missing: tools/ exports it, weights/ must hold it");
        return d;
    }

    /// <summary>The cpu backend (the fast path for long tests); it registers itself.</summary>
    public static string Backend => "cpu";

    /// <summary>Opens a shipped model on <see cref="Backend"/>.</summary>
    public static VisionModel Open(string name) => VisionModel.Open(Model(name), new VisionOptions { Backend = Backend });

    /// <summary>A number recorded in a model.json by the training script (e.g. "pytorch_test_accuracy").</summary>
    public static double Recorded(string name, string field)
    {
        using var doc = JsonDocument.Parse(File.ReadAllText(Path.Combine(Model(name), "model.json")),
            new JsonDocumentOptions { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true });
        if (!doc.RootElement.TryGetProperty(field, out var v) || v.ValueKind != JsonValueKind.Number)
            throw new InvalidOperationException($"{name}/model.json has no number '{field}' (the training script records it)");
        return v.GetDouble();
    }

    private static string FindRepoRoot()
    {
        for (var d = new DirectoryInfo(AppContext.BaseDirectory); d is not null; d = d.Parent)
            if (File.Exists(Path.Combine(d.FullName, "KernelVision.sln"))) return d.FullName;
        throw new InvalidOperationException("cannot find KernelVision.sln above " + AppContext.BaseDirectory);
    }
}
