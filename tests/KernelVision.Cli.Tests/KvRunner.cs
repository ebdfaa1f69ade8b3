namespace KernelVision.Cli.Tests;

/// <summary>Runs kv in-process, as the shell would, capturing what it prints.</summary>
internal static class KvRunner
{
    /// <summary>Exit code, stdout and stderr of <c>kv <paramref name="args"/></c>.</summary>
    public static (int Code, string Out, string Err) Run(params string[] args)
    {
        var o = new StringWriter();
        var e = new StringWriter();
        int code = Program.Run(args, o, e);
        return (code, o.ToString(), e.ToString());
    }
}
