using System.CommandLine;
using KernelVision.Cli.Commands;

namespace KernelVision.Cli;

/// <summary>The <c>kv</c> command line.</summary>
public static class Program
{
    /// <summary>Exit code for a user error (bad file, bad model, bad arguments).</summary>
    public const int UserError = 2;

    /// <summary>Entry point: exit 0 on success, 2 with one "error: …" line on a user error.</summary>
    public static int Main(string[] args) => Run(args, Console.Out, Console.Error);

    /// <summary>Runs the CLI with explicit writers (tests call this in-process).</summary>
    public static int Run(string[] args, TextWriter stdout, TextWriter stderr)
    {
        var root = new RootCommand("KernelVision: a CNN/GAN inference runtime in C# that runs ONNX models.");
        root.Subcommands.Add(RunCommand.Create(stdout));
        root.Subcommands.Add(InfoCommand.Create(stdout));
        root.Subcommands.Add(ConformanceCommand.Create(stdout));
        root.Subcommands.Add(DevicesCommand.Create(stdout));
        root.Subcommands.Add(VerifyCommand.Create(stdout));
        root.Subcommands.Add(ClassifyCommand.Create(stdout, stderr));
        root.Subcommands.Add(DetectCommand.Create(stdout));
        root.Subcommands.Add(GenerateCommand.Create(stdout));
        root.Subcommands.Add(InpaintCommand.Create(stdout));
        root.Subcommands.Add(VisualizeCommand.Create(stdout));
        root.Subcommands.Add(DemoCommand.Create(stdout));
        root.Subcommands.Add(BenchCommand.Create(stdout));
        root.Subcommands.Add(ProfileCommand.Create(stdout));
        root.Subcommands.Add(TuneCommand.Create(stdout));
        root.Subcommands.Add(KernelsCommand.Create(stdout));
        root.Subcommands.Add(TransferCommand.Create(stdout, stderr));

        var config = new InvocationConfiguration { Output = stdout, Error = stderr, EnableDefaultExceptionHandler = false };
        if (args.Length == 0) return root.Parse(["--help"]).Invoke(config); // kv alone: help, exit 0
        var parsed = root.Parse(args);
        if (parsed.Errors.Count > 0)
        {
            stderr.WriteLine($"error: {Suggest.UnknownVerb(root, args) ?? $"{parsed.Errors[0].Message} (see 'kv --help')"}");
            return UserError;
        }
        try
        {
            return parsed.Invoke(config);
        }
        catch (KernelVisionException e)
        {
            stderr.WriteLine($"error: {e.Message}");
            return UserError;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            stderr.WriteLine($"error: {e.Message}");
            return UserError;
        }
    }
}
