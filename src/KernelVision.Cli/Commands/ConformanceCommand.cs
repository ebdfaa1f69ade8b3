using System.CommandLine;
using KernelVision.Conformance;

namespace KernelVision.Cli.Commands;

/// <summary><c>kv conformance DIR</c>: runs every ONNX backend-test case under DIR and prints one line per case.</summary>
internal static class ConformanceCommand
{
    public static Command Create(TextWriter o)
    {
        var dir = new Argument<string>("dir") { Description = "Folder of ONNX backend-test cases (searched recursively)" };
        var backend = CliOptions.Backend();
        var filter = new Option<string?>("--filter", "-f") { Description = "Only cases whose path contains this text" };
        var cmd = new Command("conformance", "Run the ONNX backend conformance cases") { dir, backend, filter };
        cmd.SetAction(p =>
        {
            var options = CliOptions.Session(p.GetValue(backend)!);
            var f = p.GetValue(filter);
            var cases = ConformanceSuite.Discover(p.GetValue(dir)!)
                .Where(c => f is null || c.RelativePath.Contains(f, StringComparison.OrdinalIgnoreCase)).ToList();
            int pass = 0, fail = 0, skip = 0;
            foreach (var c in cases)
            {
                var r = ConformanceSuite.Run(c, options);
                switch (r.Status)
                {
                    case CaseStatus.Passed: pass++; o.WriteLine($"PASS {c.RelativePath} ({CliOptions.Ms(r.Elapsed)})"); break;
                    case CaseStatus.Failed: fail++; o.WriteLine($"FAIL {c.RelativePath}: {r.Detail}"); break;
                    default: skip++; o.WriteLine($"SKIP {c.RelativePath}: {r.Detail}"); break;
                }
            }
            o.WriteLine($"conformance: {pass} passed, {fail} failed, {skip} skipped");
            return fail == 0 ? 0 : 1;
        });
        return cmd;
    }
}
