using System.CommandLine;
using System.Diagnostics;
using System.Text;
using KernelVision.Backends;
using KernelVision.Cli.Profiling;
using KernelVision.Cpu.Diagnostics;
using KernelVision.Execution;
using KernelVision.Ops;
using KernelVision.Ops.Linear;
using KernelVision.Ops.Neural;
using KernelVision.Tensors;
using KernelVision.Vision;
using static KernelVision.Cli.Commands.ModelInputs;

namespace KernelVision.Cli.Commands;

/// <summary>
/// <c>kv profile MODEL</c>: per-node time, FLOPs, bytes moved, achieved GFLOP/s and GB/s and
/// arithmetic intensity, set against the machine's measured FMA peak and memory bandwidth (a roofline),
/// with a top-10 and per-op-type summary, optionally a CSV and a roofline PNG.
/// </summary>
/// <remarks>
/// A node's time is the interval between consecutive observer callbacks of
/// <see cref="InferenceSession.Run(IReadOnlyDictionary{string, Tensor}, Action{CompiledNode, Tensor?[]}?, CancellationToken)"/>
/// (the first node's from just before Run, so it carries the run's setup). That is exact for
/// backends whose kernels finish before returning (cpu, reference). The observer only takes a
/// timestamp. Nodes the plan computed ahead of time (constant folding, Shape of a known shape) never
/// run and are listed as folded.
/// </remarks>
internal static class ProfileCommand
{
    public static Command Create(TextWriter o)
    {
        var model = CliOptions.Model();
        var shapes = ModelInputs.ShapeOption();
        var inputs = new Option<string[]>("--input", "-i")
        {
            Description = "Input tensor file (.pb TensorProto or .npy), optionally NAME=FILE, as for 'kv run' (default: random data of the declared shapes)",
            AllowMultipleArgumentsPerToken = false,
        };
        var backend = CliOptions.Backend("cpu");
        var threads = new Option<int?>("--threads", "-t") { Description = "Threads for the cpu backend (default: KV_THREADS or all cores)" };
        var runs = new Option<int>("--runs", "-n") { Description = "Timed runs; each node's time is its median", DefaultValueFactory = _ => 10 };
        var warmup = new Option<int>("--warmup", "-w") { Description = "Untimed runs first (the first one plans)", DefaultValueFactory = _ => 2 };
        var batch = new Option<int?>("--batch") { Description = "Batch size for random inputs: replaces every input's symbolic (or 1) first dimension" };
        var png = new Option<string?>("--png") { Description = "Write a roofline chart (PNG) here" };
        var pngSize = new Option<string>("--png-size") { Description = "Chart size WIDTHxHEIGHT", DefaultValueFactory = _ => "960x640" };
        var csv = new Option<string?>("--csv") { Description = "Write the per-node table (folded nodes included) as CSV here" };
        var idle = new Option<int>("--idle-ms") { Description = "Sleep this long before each timed run, to profile cold runs (as between camera frames)", DefaultValueFactory = _ => 0 };
        var all = new Option<bool>("--all") { Description = "List nodes folded at planning time in the table too (they never run: 0 ms)" };
        var cmd = new Command("profile", "Per-node time, FLOPs, bytes and roofline position against the measured machine peak")
        {
            model, inputs, shapes, backend, threads, runs, warmup, batch, png, pngSize, csv, all, idle,
        };
        cmd.SetAction(p => Execute(o, new Settings(p.GetValue(model)!, p.GetValue(inputs) ?? [], p.GetValue(backend)!, p.GetValue(threads),
            p.GetValue(runs), p.GetValue(warmup), p.GetValue(batch), p.GetValue(png), p.GetValue(pngSize)!, p.GetValue(csv), p.GetValue(all), p.GetValue(idle), p.GetValue(shapes) ?? [])));
        return cmd;
    }

    private sealed record Settings(string Model, string[] Inputs, string Backend, int? Threads, int Runs, int Warmup, int? Batch,
        string? Png, string PngSize, string? Csv, bool All, int IdleMs, string[] Shapes);

    /// <summary>One row of the table: a compiled node; <see cref="Step"/> is null for folded nodes.</summary>
    private sealed record Row(int Index, int? Step, string Name, string OpType, string Op, string Kernel, string Output, double Ms, long Flops, long Bytes)
    {
        public double Gflops => Ms > 0 ? Flops / (Ms * 1e6) : 0;
        public double GBps => Ms > 0 ? Bytes / (Ms * 1e6) : 0;
        public double Intensity => Bytes > 0 ? (double)Flops / Bytes : 0;
        public string Bound(MachinePeak peak) => Step is null ? "-" : Intensity < peak.RidgePoint ? "memory" : "compute";
    }

    private static int Execute(TextWriter o, Settings s)
    {
        Count(s.Runs, "--runs", 1);
        Count(s.Warmup, "--warmup", 1);
        Count(s.IdleMs, "--idle-ms", 0);
        var (width, height) = ParseSize(s.PngSize);
        if (s.Png is not null) CheckWritable(s.Png, "--png");
        if (s.Csv is not null) CheckWritable(s.Csv, "--csv");
        // Device kernels return before they finish: wait for each, so a node's time is its own.
        if (s.Backend is "gpu" or "gpu-sim") KernelVision.Gpu.Runtime.GpuDevice.SynchronizeEachKernel = true;
        var backend = Backend(s.Backend, s.Threads);
        var (session, loadTime) = Open(s.Model, backend, s.Batch);
        using var _ = session;
        var feeds = Feeds(session, s.Inputs, s.Shapes, "give the inputs with --input NAME=FILE");
        int batch = BatchOf(feeds, session);
        var planned = session.InferShapes(feeds);

        int totalRuns = s.Warmup + s.Runs;
        using var progress = ProgressLine.Start(o, "profile", totalRuns);
        // First run: learn which nodes run, in which order, and their actual output shapes.
        var steps = new List<CompiledNode>();
        var observed = new Dictionary<string, TensorInfo>(StringComparer.Ordinal);
        var outputs = session.Run(feeds, (cn, outs) =>
        {
            steps.Add(cn);
            for (int i = 0; i < outs.Length && i < cn.Node.Outputs.Count; i++)
                if (outs[i] is { } t && cn.Node.Outputs[i].Length > 0) observed[cn.Node.Outputs[i]] = new TensorInfo(t.Type, (int[])t.Shape.Clone());
        });
        progress.Report(1, totalRuns);
        // Later runs write into the first run's outputs, as kv bench does (no fresh memory per run).
        for (int i = 1; i < s.Warmup; i++) { session.RunInto(feeds, outputs); progress.Report(i + 1, totalRuns); }

        // Timed runs: the observer takes a timestamp and nothing else.
        var stamps = new long[steps.Count];
        int k = 0;
        void Observe(CompiledNode cn, Tensor?[] outs) { if (k < stamps.Length) stamps[k] = Stopwatch.GetTimestamp(); k++; }
        var nodeMs = new double[steps.Count][];
        for (int i = 0; i < steps.Count; i++) nodeMs[i] = new double[s.Runs];
        var totalMs = new double[s.Runs];
        var sumMs = new double[s.Runs];
        for (int r = 0; r < s.Runs; r++)
        {
            k = 0;
            if (s.IdleMs > 0) Thread.Sleep(s.IdleMs);
            long t0 = Stopwatch.GetTimestamp();
            session.RunInto(feeds, outputs, Observe);
            long end = Stopwatch.GetTimestamp();
            if (k != steps.Count) throw new InternalErrorException($"{session.Model.DisplayName}: run {r + 1} ran {k} nodes, the first run {steps.Count}");
            long prev = t0;
            for (int i = 0; i < steps.Count; i++)
            {
                nodeMs[i][r] = Stopwatch.GetElapsedTime(prev, stamps[i]).TotalMilliseconds;
                prev = stamps[i];
            }
            totalMs[r] = Stopwatch.GetElapsedTime(t0, end).TotalMilliseconds;
            sumMs[r] = steps.Count > 0 ? Stopwatch.GetElapsedTime(t0, stamps[^1]).TotalMilliseconds : 0;
            progress.Report(s.Warmup + r + 1, totalRuns);
        }
        progress.Dispose();

        int calibrationThreads = Threads(backend) ?? Environment.ProcessorCount;
        var peak = MachinePeak.Measure(calibrationThreads);

        var stepOf = new Dictionary<CompiledNode, int>(ReferenceEqualityComparer.Instance);
        for (int i = 0; i < steps.Count; i++) stepOf[steps[i]] = i;
        TensorInfo? Info(string name) => name.Length == 0 ? null : observed.GetValueOrDefault(name) ?? planned.GetValueOrDefault(name);
        var rows = new List<Row>();
        for (int i = 0; i < session.Nodes.Count; i++)
        {
            var cn = session.Nodes[i];
            var node = cn.Node;
            int? step = stepOf.TryGetValue(cn, out int si) ? si : null;
            var ins = node.Inputs.Select(Info).ToList();
            var outs = node.Outputs.Select(Info).ToList();
            long flops = 0, bytes = 0;
            if (step is not null)
            {
                if (outs.All(x => x is not null))
                {
                    try { flops = cn.Op.Flops(ins, outs!); }
                    catch (Exception e) when (e is KernelVisionException or NullReferenceException or IndexOutOfRangeException or ArgumentException) { flops = 0; }
                }
                foreach (var t in ins.Concat(outs))
                    if (t is not null) bytes += Bytes(t.Type, t.Shape);
            }
            string output = outs.FirstOrDefault(x => x is not null)?.ToString() ?? "?";
            if (outs.Count(x => x is not null) > 1) output += $" +{outs.Count(x => x is not null) - 1}";
            string name = node.Name.Length > 0 ? node.Name : node.Outputs.FirstOrDefault(x => x.Length > 0) ?? $"#{i + 1}";
            string kernel = step is null ? "folded"
                : cn.Kernel is IKernelVariant { Variant.Length: > 0 } v ? v.Variant
                : cn.Kernel.GetType().Name;
            rows.Add(new Row(i + 1, step, name, node.OpType, OpLabel(cn.Op), kernel, output, step is int x ? Median(nodeMs[x]) : 0, flops, bytes));
        }

        double total = Median(totalMs);
        double layers = rows.Sum(r => r.Ms);
        Print(o, s, session, backend, batch, feeds, loadTime, peak, rows, total, Median(sumMs), layers);
        if (s.Csv is not null) WriteCsv(s.Csv, rows, peak, layers);
        if (s.Png is not null)
        {
            var points = rows.Where(r => r.Step is not null && r.Flops > 0 && r.Bytes > 0 && r.Ms > 0)
                .Select(r => new RooflinePoint(r.Intensity, r.Gflops, layers > 0 ? r.Ms / layers : 0, r.OpType)).ToList();
            var chart = RooflineChart.Render(peak, points, width, height, $"{session.Model.DisplayName} on {backend.Name}, batch {batch}");
            ImageIO.SavePng(chart, s.Png);
            o.WriteLine($"roofline chart: {s.Png} ({width}x{height}, {points.Count} nodes plotted)");
        }
        return 0;
    }

    private static string OpLabel(Op op)
    {
        var act = op switch
        {
            Conv c => c.Activation,
            ConvTranspose c => c.Activation,
            Gemm g => g.Activation,
            BatchNormalization b => b.Activation,
            _ => FusedActivation.None,
        };
        string label = op is Conv { Residual: true } ? op.Node.OpType + "+Add" : op.Node.OpType; // the fused residual's Add
        if (op is Conv { InputNormalization: { } bn }) // a fused input normalisation runs first
            label = (bn.Activation.Kind == ActivationKind.None ? "BatchNormalization+" : $"BatchNormalization+{bn.Activation.Kind}+") + label;
        return act.Kind == ActivationKind.None ? label : $"{label}+{act.Kind}";
    }

    private static void Print(TextWriter o, Settings s, InferenceSession session, IBackend backend, int batch, Dictionary<string, Tensor> feeds,
        TimeSpan loadTime, MachinePeak peak, List<Row> rows, double total, double runSum, double layers)
    {
        int? threads = Threads(backend);
        o.WriteLine($"model:    {session.Model.DisplayName}, loaded in {F(loadTime.TotalMilliseconds, "0.0")} ms");
        o.WriteLine($"backend:  {backend.Name}{(threads is int t ? $", {t} thread{(t == 1 ? "" : "s")}" : "")}");
        o.WriteLine($"inputs:   {string.Join(", ", feeds.Select(kv => $"{kv.Key} {kv.Value.Describe()}"))}{(s.Inputs.Length > 0 ? "" : " (random)")}, batch {batch}");
        o.WriteLine($"timing:   median of {s.Runs} runs after {s.Warmup} warm-up, per node" + (s.IdleMs > 0 ? $", {s.IdleMs} ms idle before each run" : ""));
        o.WriteLine($"machine:  peak {F(peak.Gflops, "0.0")} GFLOP/s FP32 ({peak.VectorBits}-bit FMA, {peak.Threads} thread{(peak.Threads == 1 ? "" : "s")}), " +
            $"memory {F(peak.GBps, "0.0")} GB/s (read); ridge point {F(peak.RidgePoint, "0.00")} FLOP/byte");
        if (backend.Name is not ("cpu" or "reference"))
            o.WriteLine($"note:     {backend.Name}: each kernel waits for its launches to finish, so node times are the kernels' own (plus a synchronisation each)");
        o.WriteLine();

        string[] header = ["#", "node", "op", "kernel", "output", ">ms", ">%", ">MFLOP", ">MB", ">GFLOP/s", ">GB/s", ">FLOP/B", ">%peak", "bound"];
        string[] Cells(Row r) => r.Step is null
            ? [r.Index.ToString(System.Globalization.CultureInfo.InvariantCulture), Shorten(r.Name, 40), Shorten(r.Op, 18), Shorten(r.Kernel, 36), Shorten(r.Output, 26),
                "0.000", "-", "-", "-", "-", "-", "-", "-", "-"]
            : [r.Index.ToString(System.Globalization.CultureInfo.InvariantCulture), Shorten(r.Name, 40), Shorten(r.Op, 18), Shorten(r.Kernel, 36), Shorten(r.Output, 26),
                F(r.Ms, "0.000"), F(Pct(r.Ms, layers), "0.0"), F(r.Flops / 1e6, "0.000"), F(r.Bytes / 1e6, "0.000"),
                F(r.Gflops, "0.00"), F(r.GBps, "0.00"), F(r.Intensity, "0.00"), F(Pct(r.Gflops, peak.Gflops), "0.0"), r.Bound(peak)];

        int folded = rows.Count(r => r.Step is null);
        o.WriteLine("per node, in execution order (% = share of the nodes' summed time):");
        CliTable.Write(o, header, rows.Where(r => s.All || r.Step is not null).Select(Cells));
        if (folded > 0)
            o.WriteLine($"  {folded} node{(folded == 1 ? "" : "s")} folded at planning time (computed once, 0 ms per run): " +
                string.Join(", ", rows.Where(r => r.Step is null).GroupBy(r => r.OpType).OrderByDescending(g => g.Count()).Select(g => $"{g.Key} x{g.Count()}")) +
                (s.All ? "" : "; --all lists them"));
        o.WriteLine();

        var top = rows.Where(r => r.Step is not null).OrderByDescending(r => r.Ms).Take(10).ToList();
        o.WriteLine($"top {top.Count} by time:");
        CliTable.Write(o, header, top.Select(Cells));
        o.WriteLine();

        o.WriteLine("by op type:");
        var byOp = rows.Where(r => r.Step is not null).GroupBy(r => r.Op).OrderByDescending(g => g.Sum(r => r.Ms)).Select(g =>
        {
            double ms = g.Sum(r => r.Ms);
            long fl = g.Sum(r => r.Flops);
            double gf = ms > 0 ? fl / (ms * 1e6) : 0;
            return (IReadOnlyList<string>)[g.Key, g.Count().ToString(System.Globalization.CultureInfo.InvariantCulture), F(ms, "0.000"), F(Pct(ms, layers), "0.0"),
                F(fl / 1e9, "0.0000"), F(gf, "0.00"), F(Pct(gf, peak.Gflops), "0.0")];
        });
        CliTable.Write(o, ["op", ">nodes", ">ms", ">%", ">GFLOP", ">GFLOP/s", ">%peak"], byOp, indent: 2);
        o.WriteLine();

        long flops = rows.Sum(r => r.Flops), bytes = rows.Sum(r => r.Bytes);
        double achieved = total > 0 ? flops / (total * 1e6) : 0;
        o.WriteLine($"total time:  {F(total, "0.000")} ms per run (median wall time of the whole run)");
        o.WriteLine($"layers sum:  {F(layers, "0.000")} ms (sum of the per-node medians; median per-run sum {F(runSum, "0.000")} ms; run overhead after the last node {F(Math.Max(0, total - runSum), "0.000")} ms)");
        o.WriteLine($"total flops: {flops} ({F(flops / 1e9, "0.000")} GFLOP), {F(achieved, "0.00")} GFLOP/s = {F(Pct(achieved, peak.Gflops), "0.0")}% of peak");
        o.WriteLine($"bytes moved: {bytes} ({F(bytes / 1e6, "0.0")} MB: every node's inputs, weights and outputs once)");
        o.WriteLine("note: node 1's time includes the run's setup (input checks, plan lookup).");
    }

    private static double Pct(double part, double whole) => whole > 0 ? 100 * part / whole : 0;

    /// <summary>Shortens to at most <paramref name="width"/> characters, keeping the end (where ONNX names are most specific).</summary>
    private static string Shorten(string text, int width) =>
        text.Length <= width ? text : ".." + text[(text.Length - width + 2)..];

    private static void WriteCsv(string path, List<Row> rows, MachinePeak peak, double layers)
    {
        var sb = new StringBuilder();
        sb.AppendLine("index,node,op,kernel,output,folded,ms,percent,flops,bytes,gflops_per_s,gb_per_s,flops_per_byte,percent_of_peak,bound");
        foreach (var r in rows)
            sb.AppendLine(string.Join(",", r.Index.ToString(System.Globalization.CultureInfo.InvariantCulture), Csv(r.Name), Csv(r.Op), Csv(r.Kernel), Csv(r.Output),
                r.Step is null ? "true" : "false", F(r.Ms, "0.######"), F(Pct(r.Ms, layers), "0.###"), r.Flops.ToString(System.Globalization.CultureInfo.InvariantCulture),
                r.Bytes.ToString(System.Globalization.CultureInfo.InvariantCulture), F(r.Gflops, "0.###"), F(r.GBps, "0.###"), F(r.Intensity, "0.###"),
                F(Pct(r.Gflops, peak.Gflops), "0.###"), r.Bound(peak)));
        File.WriteAllText(path, sb.ToString());
    }

    private static string Csv(string s) => s.IndexOfAny([',', '"', '\n']) < 0 ? s : "\"" + s.Replace("\"", "\"\"") + "\"";

    private static (int Width, int Height) ParseSize(string text)
    {
        var parts = text.Split('x', 'X');
        if (parts.Length != 2 || !int.TryParse(parts[0], out int w) || !int.TryParse(parts[1], out int h) || w < 320 || h < 240 || w > 8192 || h > 8192)
            throw new InputException($"--png-size must be WIDTHxHEIGHT with 320..8192 by 240..8192, got '{text}'");
        return (w, h);
    }

    /// <summary>Fails early (before minutes of profiling) when <paramref name="path"/> cannot be written.</summary>
    private static void CheckWritable(string path, string option)
    {
        try
        {
            string? dir = Path.GetDirectoryName(Path.GetFullPath(path));
            if (!string.IsNullOrEmpty(dir)) Directory.CreateDirectory(dir);
            if (Directory.Exists(path)) throw new InputException($"{option} {path}: is a folder");
            bool existed = File.Exists(path);
            using (new FileStream(path, FileMode.OpenOrCreate, FileAccess.Write)) { }
            if (!existed) File.Delete(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException or NotSupportedException)
        {
            throw new InputException($"{option} {path}: cannot write there ({e.Message})");
        }
    }
}
