using System.CommandLine;
using KernelVision.Backends;
using KernelVision.Execution;

namespace KernelVision.Cli.Commands;

/// <summary>Options several verbs share.</summary>
internal static class CliOptions
{
    /// <summary>--backend; unset means <paramref name="defaultName"/>, or the library's default (cpu) when null.</summary>
    public static Option<string> Backend(string? defaultName = null) => new("--backend", "-b")
    {
        Description = $"Backend: {string.Join(", ", BackendFactory.KnownNames)} (default: {defaultName ?? "cpu"}; auto = gpu when a GPU is present)",
        DefaultValueFactory = _ => defaultName ?? BackendFactory.DefaultName,
    };

    /// <summary>The model argument every verb takes: an .onnx file, or a folder holding model.onnx (or one .onnx file).</summary>
    public static Argument<string> Model() => new("model") { Description = "ONNX model file, or a folder holding model.onnx" };

    /// <summary>The .onnx file meant by a model argument (file or folder), or an error naming it.</summary>
    public static string ModelFile(string path) => KernelVision.Vision.VisionModel.ResolveModelPath(path);

    public static SessionOptions Session(string backend) => new() { Backend = BackendFactory.Create(backend) };

    public static string Ms(TimeSpan t) => t.TotalMilliseconds.ToString(t.TotalMilliseconds < 10 ? "F2" : "F1") + " ms";
}
