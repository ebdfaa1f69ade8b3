using System.CommandLine;
using System.Diagnostics;
using System.Text.Json;
using static KernelVision.Cli.Commands.ModelInputs;

namespace KernelVision.Cli.Commands;

/// <summary>
/// <c>kv bench MODEL</c>: end-to-end latency of a model on random inputs of its declared shapes —
/// load time, first run (planning included), median/min/max/mean over timed runs, throughput, peak
/// memory and managed allocations per run.
/// </summary>
internal static class BenchCommand
{
    public static Command Create(TextWriter o)
    {
        var model = CliOptions.Model();
        var inputs = new Option<string[]>("--input", "-i")
        {
            Description = "Input tensor file (.pb or .npy), optionally NAME=FILE, as for 'kv run' (default: random data)",
            AllowMultipleArgumentsPerToken = false,
        };
        var shapes = ModelInputs.ShapeOption();
        var backend = CliOptions.Backend("cpu");
        var runs = new Option<int>("--runs", "-n") { Description = "Timed runs", DefaultValueFactory = _ => 20 };
        var warmup = new Option<int>("--warmup", "-w") { Description = "Untimed runs after the first, before timing", DefaultValueFactory = _ => 3 };
        var threads = new Option<int?>("--threads", "-t") { Description = "Threads for the cpu backend (default: KV_THREADS or all cores)" };
        var batch = new Option<int?>("--batch") { Description = "Batch size: replaces every input's symbolic (or 1) first dimension (default: as declared, symbolic = 1)" };
        var json = new Option<bool>("--json") { Description = "Print the results as one JSON object" };
        var fresh = new Option<bool>("--fresh-outputs") { Description = "Allocate new output tensors every run (Run) instead of writing into the first run's (RunInto)" };
        var idle = new Option<int>("--idle-ms") { Description = "Sleep this long before each timed run, as between camera frames (caches and idle cores go cold)", DefaultValueFactory = _ => 0 };
        var cmd = new Command("bench", "Measure a model's latency, throughput and memory on random inputs")
        {
            model, inputs, shapes, backend, runs, warmup, threads, batch, json, idle, fresh,
        };
        cmd.SetAction(p => Execute(o, p.GetValue(model)!, p.GetValue(backend)!, p.GetValue(runs), p.GetValue(warmup),
            p.GetValue(threads), p.GetValue(batch), p.GetValue(json), p.GetValue(idle), p.GetValue(inputs), p.GetValue(shapes), p.GetValue(fresh)));
        return cmd;
    }

    private static int Execute(TextWriter o, string path, string backendName, int runs, int warmup, int? threads, int? batch, bool json, int idleMs,
        string[]? inputSpecs = null, string[]? shapeSpecs = null, bool freshOutputs = false)
    {
        Count(runs, "--runs", 1);
        Count(warmup, "--warmup", 0);
        Count(idleMs, "--idle-ms", 0);
        var backend = Backend(backendName, threads);
        var (session, loadTime) = Open(path, backend, batch);
        using var _ = session;
        var feeds = Feeds(session, inputSpecs, shapeSpecs, "give the input with --input NAME=FILE");
        int n = BatchOf(feeds, session);

        // Progress on stderr (throttled to 10 redraws/s) between runs, never inside a timed one.
        using var progress = ProgressLine.Start(o, "bench", 1 + warmup + runs);
        long t0 = Stopwatch.GetTimestamp();
        var first = session.Run(feeds);
        var firstTime = Stopwatch.GetElapsedTime(t0);
        long outputBytes = first.Values.Sum(t => Bytes(t.Type, t.Shape));
        progress.Report(1, 1 + warmup + runs);
        // A serving loop writes into the tensors it already has, as ONNX Runtime's arena recycles its
        // outputs; a new array per run costs page faults on memory the GC has not touched yet.
        Action run = freshOutputs ? () => session.Run(feeds) : () => session.RunInto(feeds, first);
        for (int i = 0; i < warmup; i++) { run(); progress.Report(2 + i, 1 + warmup + runs); }

        var ms = new double[runs];
        long heapPeak = GC.GetTotalMemory(false);
        int gc0 = GC.CollectionCount(0), gc2 = GC.CollectionCount(2);
        long allocated0 = GC.GetTotalAllocatedBytes(precise: true);
        var pool = (backend as KernelVision.Cpu.CpuBackend)?.Pool;
        var pool0 = pool?.Stats ?? default;
        for (int i = 0; i < runs; i++)
        {
            if (idleMs > 0) Thread.Sleep(idleMs);
            long s = Stopwatch.GetTimestamp();
            run();
            ms[i] = Stopwatch.GetElapsedTime(s).TotalMilliseconds;
            heapPeak = Math.Max(heapPeak, GC.GetTotalMemory(false));
            progress.Report(1 + warmup + i + 1, 1 + warmup + runs);
        }
        progress.Dispose();
        var poolStats = (pool?.Stats ?? default) - pool0;
        double allocatedPerRun = (GC.GetTotalAllocatedBytes(precise: true) - allocated0) / (double)runs;
        int gen0 = GC.CollectionCount(0) - gc0, gen2 = GC.CollectionCount(2) - gc2;

        double median = Median(ms), min = ms.Min(), max = ms.Max(), mean = ms.Average();
        double throughput = n / (median / 1000);
        var (peakWorkingSet, peakSource) = KernelVision.Cpu.Diagnostics.ProcessMemory.Peak();
        var (arena, planned) = session.LastRunMemory;
        int? threadCount = Threads(backend);
        string inputs = string.Join(", ", feeds.Select(kv => $"{kv.Key} {kv.Value.Describe()}"));

        if (json)
        {
            o.WriteLine(JsonSerializer.Serialize(new
            {
                model = session.Model.DisplayName,
                backend = backend.Name,
                threads = threadCount,
                batch = n,
                inputs = feeds.ToDictionary(kv => kv.Key, kv => kv.Value.Shape),
                loadMs = loadTime.TotalMilliseconds,
                firstRunMs = firstTime.TotalMilliseconds,
                warmup,
                runs,
                idleMs,
                latencyMs = new { median, min, max, mean, all = ms },
                imagesPerSecond = throughput,
                peakWorkingSetBytes = peakWorkingSet,
                peakWorkingSetSource = peakSource,
                managedHeapPeakBytes = heapPeak,
                allocatedBytesPerRun = allocatedPerRun,
                outputBytesPerRun = freshOutputs ? outputBytes : 0,
                freshOutputs,
                gen0Collections = gen0,
                gen2Collections = gen2,
                poolJobsPerRun = pool is null ? (double?)null : (double)poolStats.Jobs / runs,
                poolLateJobsPerRun = pool is null ? (double?)null : (double)poolStats.LateJobs / runs,
                poolWorkerSleepsPerRun = pool is null ? (double?)null : (double)poolStats.WorkerSleeps / runs,
                activationArenaBytes = arena,
                plannedActivationBytes = planned,
            }));
            return 0;
        }

        o.WriteLine($"model:             {session.Model.DisplayName}");
        o.WriteLine($"backend:           {backend.Name}");
        o.WriteLine($"threads:           {(threadCount is int tc ? tc.ToString() : "n/a")}");
        o.WriteLine($"batch:             {n}");
        o.WriteLine($"inputs:            {inputs} (random, fixed seed)");
        o.WriteLine($"load:              {Ms(loadTime.TotalMilliseconds)} (parse, optimise, create kernels)");
        o.WriteLine($"first run:         {Ms(firstTime.TotalMilliseconds)} (includes planning and weight packing)");
        o.WriteLine($"timed runs:        {runs} after {warmup} warm-up" + (idleMs > 0 ? $", {idleMs} ms idle before each" : ""));
        o.WriteLine($"latency median:    {Ms(median)}");
        o.WriteLine($"latency min:       {Ms(min)}");
        o.WriteLine($"latency max:       {Ms(max)}");
        o.WriteLine($"latency mean:      {Ms(mean)}");
        o.WriteLine($"throughput:        {F(throughput, "0.0")} images/s (batch / median)");
        o.WriteLine($"peak working set:  {Size(peakWorkingSet)} ({peakSource})");
        o.WriteLine($"managed heap peak: {Size(heapPeak)} (sampled after each timed run)");
        o.WriteLine($"allocated per run: {Size(allocatedPerRun)} managed (" +
                    (freshOutputs ? $"{Size(outputBytes)} of it the output tensors" : "outputs written into reused tensors, RunInto") +
                    $"; {gen0} gen0 / {gen2} gen2 GCs during timing)");
        if (pool is not null && poolStats.Jobs > 0)
            o.WriteLine($"thread pool:       {F((double)poolStats.Jobs / runs, "0.0")} parallel jobs per run; " +
                        $"{F((double)poolStats.LateJobs / runs, "0.0")} finished before a worker joined, " +
                        $"{F((double)poolStats.WorkerSleeps / runs, "0.0")} worker sleeps per run (spin window {pool.SpinMicroseconds} µs{(pool.PinnedWorkers ? ", workers pinned" : "")})");
        o.WriteLine($"activation arena:  {Size(arena)} (all planned activations {Size(planned)}, outputs included)");
        return 0;
    }

    private static string Ms(double ms) => F(ms, ms < 10 ? "0.000" : "0.00") + " ms";
}
