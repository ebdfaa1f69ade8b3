using System.CommandLine;
using KernelVision.Backends;
using KernelVision.Execution;

namespace KernelVision.Cli.Commands;

/// <summary>Options several verbs share.</summary>
internal static class CliOptions
{
    public static Option<string> Backend(string defaultName = "reference") => new("--backend", "-b")
    {
        Description = $"Backend: {string.Join(", ", BackendFactory.KnownNames)}",
        DefaultValueFactory = _ => defaultName,
    };

    public static SessionOptions Session(string backend) => new() { Backend = BackendFactory.Create(backend) };

    public static string Ms(TimeSpan t) => t.TotalMilliseconds.ToString(t.TotalMilliseconds < 10 ? "F2" : "F1") + " ms";
}
