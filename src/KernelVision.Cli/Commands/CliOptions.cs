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

    public static SessionOptions Session(string backend) => new() { Backend = BackendFactory.Create(backend) };

    public static string Ms(TimeSpan t) => t.TotalMilliseconds.ToString(t.TotalMilliseconds < 10 ? "F2" : "F1") + " ms";
}
