using System.CommandLine;
using System.Diagnostics;
using KernelVision.Backends;
using KernelVision.Backends.Reference;
using KernelVision.Execution;
using KernelVision.Gpu;
using KernelVision.Onnx;
using KernelVision.Tensors;

namespace KernelVision.Cli.Commands;

/// <summary>
/// <c>kv verify MODEL [--input FILE]...</c>: runs the model on every available backend (reference, cpu,
/// gpu or else gpu-sim), captures every node's outputs through the session observer (graph as
/// written: no optimisation, so node sets line up), and reports per layer the max error against
/// Reference and the first layer where a backend diverges beyond tolerance·max|out|.
/// </summary>
internal static class VerifyCommand
{
    public static Command Create(TextWriter o)
    {
        var model = CliOptions.Model();
        var inputs = new Option<string[]>("--input", "-i")
        {
            Description = "Input tensor file (.pb or .npy), optionally NAME=FILE, as for 'kv run'; random inputs for the rest",
            AllowMultipleArgumentsPerToken = false,
        };
        var shapes = ModelInputs.ShapeOption();
        var backends = new Option<string?>("--backends") { Description = "Comma-separated backends to compare with reference (default: cpu, and gpu or else gpu-sim, where available)" };
        var tolerance = new Option<double>("--tolerance") { Description = "Divergence threshold, relative to max|out| of each layer", DefaultValueFactory = _ => 1e-4 };
        var all = new Option<bool>("--all") { Description = "Print every layer (default: layers up to the first divergence plus the worst ones)" };
        var cmd = new Command("verify", "Compare every intermediate tensor across backends and find the first diverging layer") { model, inputs, shapes, backends, tolerance, all };
        cmd.SetAction(p => Execute(o, p.GetValue(model)!, p.GetValue(inputs) ?? [], p.GetValue(backends), p.GetValue(tolerance), p.GetValue(all), p.GetValue(shapes) ?? []));
        return cmd;
    }

    private sealed record Capture(string Backend, Dictionary<string, Tensor> Values, TimeSpan Elapsed, int Fallbacks);

    private static int Execute(TextWriter o, string modelPath, string[] inputFiles, string? backendList, double tol, bool all, string[] shapeSpecs)
    {
        var names = backendList is null ? DefaultBackends() : backendList.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).ToList();
        names.RemoveAll(n => n.Equals("reference", StringComparison.OrdinalIgnoreCase));
        modelPath = CliOptions.ModelFile(modelPath);
        var reference = InferenceSession.Load(modelPath, new SessionOptions { Optimize = false, Backend = ReferenceBackend.Instance });
        var feeds = ModelInputs.Feeds(reference, inputFiles, shapeSpecs, "give it with --input NAME=FILE");
        using var progress = ProgressLine.Start(o, "verify", 1 + names.Count);
        var captures = new List<Capture> { Run(reference, feeds) };
        progress.Report(1, 1 + names.Count);
        foreach (var name in names)
        {
            var backend = BackendFactory.Create(name);
            if (backend is GpuBackend gpu) gpu.SyncEveryOutput = true; // the observer reads every intermediate
            captures.Add(Run(InferenceSession.Load(modelPath, new SessionOptions { Optimize = false, Backend = backend }), feeds));
            progress.Report(captures.Count, 1 + names.Count);
        }
        progress.Dispose();
        foreach (var c in captures)
            o.WriteLine($"{c.Backend}: ran in {CliOptions.Ms(c.Elapsed)}{(c.Fallbacks > 0 ? $" ({c.Fallbacks} nodes on the Reference fallback)" : "")}");

        var ref0 = captures[0];
        var rows = new List<(string Node, string Op, string Value, string Shape, double Scale, double[] Errors, bool Diverged)>();
        (string Backend, string Node, double Error, double Scale)? first = null;
        foreach (var cn in reference.Nodes)
        {
            for (int k = 0; k < cn.Node.Outputs.Count; k++)
            {
                string v = cn.Node.Outputs[k];
                if (v.Length == 0 || !ref0.Values.TryGetValue(v, out var expected)) continue;
                double scale = MaxAbs(expected);
                var errors = new double[captures.Count - 1];
                bool diverged = false;
                for (int b = 1; b < captures.Count; b++)
                {
                    errors[b - 1] = captures[b].Values.TryGetValue(v, out var actual) ? MaxError(expected, actual) : double.NaN;
                    bool bad = double.IsNaN(errors[b - 1]) || errors[b - 1] > tol * Math.Max(scale, 1e-30);
                    if (bad && expected.Type != DataType.Float32 && expected.Type != DataType.Float64) bad = errors[b - 1] != 0;
                    if (bad)
                    {
                        diverged = true;
                        first ??= (captures[b].Backend, $"{cn.Node.DisplayName} output '{v}'", errors[b - 1], scale);
                    }
                }
                rows.Add((cn.Node.Name.Length > 0 ? cn.Node.Name : v, cn.Node.OpType, v, expected.Describe(), scale, errors, diverged));
            }
        }

        o.WriteLine();
        o.WriteLine($"{"layer",-28} {"op",-20} {"output",-30} {"max|ref|",10} " + string.Join(" ", captures.Skip(1).Select(c => $"{"err " + c.Backend,14}")));
        int firstBad = rows.FindIndex(r => r.Diverged);
        var worst = rows.Select((r, i) => (r, i)).OrderByDescending(t => t.r.Errors.Length == 0 ? 0 : t.r.Errors.Max(e => double.IsNaN(e) ? double.MaxValue : e / Math.Max(t.r.Scale, 1e-30))).Take(5).Select(t => t.i).ToHashSet();
        for (int i = 0; i < rows.Count; i++)
        {
            if (!all && rows.Count > 40 && !(i < 10 || i == firstBad || worst.Contains(i) || i == rows.Count - 1)) continue;
            var r = rows[i];
            o.WriteLine($"{Trim(r.Node, 28),-28} {Trim(r.Op, 20),-20} {Trim(r.Value + " " + r.Shape, 30),-30} {r.Scale,10:G3} " +
                string.Join(" ", r.Errors.Select(e => $"{e,14:G3}")) + (r.Diverged ? "  <-- diverges" : ""));
        }
        o.WriteLine();
        if (captures.Count == 1) { o.WriteLine("only the reference backend is available: nothing to compare"); return 0; }
        if (first is { } f)
        {
            o.WriteLine($"first divergence: {f.Backend} at {f.Node}: max error {f.Error:G4} > {tol:G2}·max|out| ({tol * f.Scale:G4})");
            return 1;
        }
        o.WriteLine($"all {rows.Count} layer outputs agree within {tol:G2}·max|out| on {string.Join(", ", captures.Skip(1).Select(c => c.Backend))}");
        return 0;
    }

    /// <summary>cpu when built in, then gpu when a GPU exists, else gpu-sim.</summary>
    private static List<string> DefaultBackends()
    {
        var list = new List<string>();
        try { BackendFactory.Create("cpu"); list.Add("cpu"); } catch (KernelVisionException) { }
        try { BackendFactory.Create("gpu"); list.Add("gpu"); }
        catch (KernelVisionException) { list.Add("gpu-sim"); }
        return list;
    }

    private static Capture Run(InferenceSession session, Dictionary<string, Tensor> feeds)
    {
        var values = new Dictionary<string, Tensor>(StringComparer.Ordinal);
        var sw = Stopwatch.StartNew();
        var outs = session.Run(feeds, (node, outputs) =>
        {
            for (int i = 0; i < outputs.Length; i++)
                if (outputs[i] is { } t && node.Node.Outputs[i].Length > 0) values[node.Node.Outputs[i]] = t.Clone();
        });
        sw.Stop();
        foreach (var (name, t) in outs) values.TryAdd(name, t);
        return new Capture(session.Options.Backend.Name, values, sw.Elapsed, session.Nodes.Count(n => n.IsFallback));
    }

    private static double MaxAbs(Tensor t)
    {
        double m = 0;
        for (int i = 0; i < t.Length; i++) m = Math.Max(m, Math.Abs(t.GetDouble(i)));
        return m;
    }

    private static double MaxError(Tensor a, Tensor b)
    {
        if (a.Length != b.Length || !a.Shape.SequenceEqual(b.Shape)) return double.NaN;
        double m = 0;
        for (int i = 0; i < a.Length; i++)
        {
            double x = a.GetDouble(i), y = b.GetDouble(i);
            if (double.IsNaN(x) && double.IsNaN(y)) continue;
            double d = Math.Abs(x - y);
            if (double.IsNaN(d)) return double.NaN;
            m = Math.Max(m, d);
        }
        return m;
    }

    private static string Trim(string s, int n) => s.Length <= n ? s : s[..(n - 1)] + "…";
}
