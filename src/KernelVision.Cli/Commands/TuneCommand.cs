using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using KernelVision.Backends;
using KernelVision.Cpu;
using KernelVision.Cpu.Tuning;
using static KernelVision.Cli.Commands.ModelInputs;

namespace KernelVision.Cli.Commands;

/// <summary>
/// <c>kv tune MODEL</c>: times every applicable algorithm of each tunable node on this machine
/// (first run of a session with <see cref="KernelTuning.Full"/>), stores the winners in the tuning
/// cache, and prints the choice per node with the losers' times; then shows what the cache costs a
/// later load and what the tuned plan gains over the built-in rules.
/// </summary>
internal static class TuneCommand
{
    public static Command Create(TextWriter o)
    {
        var model = CliOptions.Model();
        var shapes = ModelInputs.ShapeOption();
        var threads = new Option<int?>("--threads", "-t") { Description = "Threads for the cpu backend (default: KV_THREADS or all cores); choices are kept per thread count" };
        var batch = new Option<int?>("--batch") { Description = "Batch size: replaces every input's symbolic (or 1) first dimension" };
        var fresh = new Option<bool>("--fresh") { Description = "Forget this machine's cached choices first, and measure everything again" };
        var runs = new Option<int>("--runs", "-n") { Description = "Timed runs for the tuned-vs-rules comparison (0: skip it)", DefaultValueFactory = _ => 10 };
        var cmd = new Command("tune", "Time each conv's algorithms on this machine, cache the fastest, and print the choice per node")
        {
            model, shapes, threads, batch, fresh, runs,
        };
        cmd.SetAction(p => Execute(o, p.GetValue(model)!, p.GetValue(threads), p.GetValue(batch), p.GetValue(fresh), p.GetValue(runs),
            p.GetValue(shapes) ?? []));
        return cmd;
    }

    private static int Execute(TextWriter o, string path, int? threads, int? batch, bool fresh, int runs, string[] shapeSpecs)
    {
        Count(runs, "--runs", 0);
        var backend = (CpuBackend)Backend("cpu", threads);
        var cache = TuningCache.For(backend.Threads);
        if (fresh) cache.Clear();

        var (session, loadTime) = Open(path, backend, batch, KernelTuning.Full);
        using var _ = session;
        var feeds = Feeds(session, null, shapeSpecs, "give the shapes with --shape NAME=D0,D1,…");
        long t0 = Stopwatch.GetTimestamp();
        session.Run(feeds);
        var tuneTime = Stopwatch.GetElapsedTime(t0);

        var rows = new List<string[]>();
        int timed = 0, cached = 0;
        foreach (var cn in session.Nodes)
        {
            if (cn.Kernel is not ITunedKernel { LastTuning: { } t }) continue;
            if (t.FromCache) cached++;
            else timed++;
            string ms = t.FromCache ? "cached" : t.Candidates[0].Milliseconds.ToString("0.000", CultureInfo.InvariantCulture);
            string others = t.FromCache ? "" : string.Join(", ", t.Candidates.Skip(1).Select(c => $"{c.Name} {c.Milliseconds.ToString("0.000", CultureInfo.InvariantCulture)}"));
            rows.Add([cn.Node.Name, cn.Node.OpType, t.Chosen, ms, others]);
        }
        o.WriteLine($"{session.Model.DisplayName}: {backend.Threads} threads, {KernelVision.Cpu.Diagnostics.MachineIdentity.CpuModel()}, {TuningCache.Isa()}");
        CliTable.Write(o, ["node", "op", "chosen", "ms", "others (ms)"], rows);
        o.WriteLine($"{timed} nodes timed, {cached} taken from the cache, first run {tuneTime.TotalSeconds:0.00} s (load {loadTime.TotalSeconds:0.00} s)");
        o.WriteLine($"cache: {cache.FilePath ?? "(none: no cache directory; choices kept for this process only)"}");
        if (runs == 0) return 0;

        // What the cache costs a later load, and what the tuned plan gains over the rules.
        var (cachedMs, tunedRun) = FirstAndMedian(path, backend, batch, KernelTuning.Cached, feeds, runs);
        var (rulesMs, rulesRun) = FirstAndMedian(path, backend, batch, KernelTuning.Off, feeds, runs);
        o.WriteLine($"first run with the cache {cachedMs:0.0} ms, with the built-in rules {rulesMs:0.0} ms (cache cost {cachedMs - rulesMs:+0.0;-0.0} ms)");
        o.WriteLine($"median of {runs} runs: tuned {tunedRun:0.00} ms, built-in rules {rulesRun:0.00} ms ({rulesRun / tunedRun:0.00}x)");
        return 0;
    }

    private static (double FirstMs, double MedianMs) FirstAndMedian(string path, IBackend backend, int? batch, KernelTuning mode,
        Dictionary<string, Tensors.Tensor> feeds, int runs)
    {
        var (session, _) = Open(path, backend, batch, mode);
        using var __ = session;
        long t0 = Stopwatch.GetTimestamp();
        session.Run(feeds);
        double first = Stopwatch.GetElapsedTime(t0).TotalMilliseconds;
        session.Run(feeds);
        var ms = new double[runs];
        for (int i = 0; i < runs; i++)
        {
            long s = Stopwatch.GetTimestamp();
            session.Run(feeds);
            ms[i] = Stopwatch.GetElapsedTime(s).TotalMilliseconds;
        }
        return (first, Median(ms));
    }
}
