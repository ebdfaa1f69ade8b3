using System.Diagnostics;
using KernelVision.Cpu;
using Microsoft.ML.OnnxRuntime;
using KvSession = KernelVision.Execution.InferenceSession;
using KvSessionOptions = KernelVision.Execution.SessionOptions;
using KvTensor = KernelVision.Tensors.Tensor;
using OrtSession = Microsoft.ML.OnnxRuntime.InferenceSession;
using OrtSessionOptions = Microsoft.ML.OnnxRuntime.SessionOptions;

namespace KernelVision.Benchmarks;

/// <summary>
/// Side-by-side latency of KernelVision's Cpu backend and ONNX Runtime on the same model file, in one
/// process, alternating one run of each so both see the same machine state (noise, turbo, other load).
/// By default each run starts after <see cref="SettleMs"/> of quiet: ORT's worker keeps spinning for
/// ~40–50 ms after its run (<c>--spin-probe</c> measures it), and on two cores that spinner would
/// take a core from the next KernelVision run; <c>--gap-ms 0</c> alternates back to back anyway.
/// ORT is a comparison only: it lives in this project, never in the runtime.
/// </summary>
internal static class CompareCommand
{
    /// <summary>
    /// The default suite: issue 14's nine models (made by tools/make_bench_models.py), each with the
    /// ratio to ONNX Runtime it must meet.
    /// </summary>
    private static readonly (string File, int Batch, double Target)[] DefaultSuite =
    [
        ("resnet18.onnx", 1, 1.0),
        ("resnet18.onnx", 4, 1.0),
        ("mobilenet_v2.onnx", 1, 1.0),
        ("dcgan_generator.onnx", 1, 1.0),
        ("unet_small.onnx", 1, 1.0),
        ("vgg11.onnx", 1, 1.0),
        ("squeezenet1_1.onnx", 1, 1.0),
        ("densenet121.onnx", 1, 1.0),
        ("inception_v3.onnx", 1, 1.0),
    ];

    /// <summary>Default idle time before each timed run: longer than either engine's post-run spinning here.</summary>
    private const int SettleMs = 60;

    public static int Run(Options o, string[] rest)
    {
        int threads = o.Int("--threads", 2);
        int runs = o.Int("--runs", 20);
        int warmup = o.Int("--warmup", 3);
        // Before the first backend is made: the shared pool reads it at creation.
        if (o.Value("--kv-spin-us") is { } spin) KernelVision.Cpu.Threading.CpuThreadPool.DefaultSpinMicroseconds = int.Parse(spin);
        if (o.Flag("--no-winograd")) KernelVision.Cpu.Kernels.Neural.ConvCpu.WinogradEnabled = false;
        if (o.Flag("--winograd-f4")) KernelVision.Cpu.Conv.WinogradConv.LargeTilesEnabled = true;
        if (o.Flag("--in-place")) KernelVision.Cpu.Kernels.Neural.ConvCpu.ForceInPlace = true; // every stride-1 conv in place, untuned
        if (o.Flag("--thread-cpu"))
        {
            if (threads != 1) { Console.Error.WriteLine("error: --thread-cpu needs --threads 1 (the work must run on the calling thread)"); return 2; }
            ThreadCpuTime = true;
        }
        if (o.Value("--engine") is { } engine)
            return Child(engine, rest.First(a => !a.StartsWith("--", StringComparison.Ordinal)), o.Int("--batch", 1), threads, runs, warmup,
                o.Int("--gap-ms", SettleMs));

        string dir = o.Value("--dir") ?? "artifacts/bench-models";
        var positional = Positional(rest);
        var suite = positional.Length > 0
            ? positional.Select(p => (File: p, Batch: o.Int("--batch", 1), Target: double.NaN)).ToArray()
            : DefaultSuite.Select(s => (File: Path.Combine(dir, s.File), s.Batch, s.Target)).ToArray();
        if (o.Value("--only") is { } only)
        {
            var names = only.Split(',');
            suite = suite.Where(s => names.Contains(Path.GetFileNameWithoutExtension(s.File))).ToArray();
        }
        foreach (var s in suite)
        {
            if (!File.Exists(s.File))
            {
                Console.Error.WriteLine($"error: {s.File} not found (make it with /usr/bin/python3 tools/make_bench_models.py {dir})");
                return 2;
            }
        }
        // Both set-ups by default (issue 14): settled (60 ms of quiet before each run) and back to back.
        var gaps = o.Value("--gap-ms") is { } g ? [int.Parse(g)] : new[] { SettleMs, 0 };
        bool separate = o.Flag("--separate");

        Console.WriteLine($"{DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC, {MachineInfo.Describe()}");
        // The peak goes with every table (issue 14): ratios mean little without the machine they ran on.
        Console.WriteLine($"FP32 FMA peak: {KernelVision.Cpu.Diagnostics.MachinePeak.MeasureGflops(1, TimeSpan.FromSeconds(0.5)):0} GFLOP/s one thread, " +
                          $"{KernelVision.Cpu.Diagnostics.MachinePeak.MeasureGflops(threads, TimeSpan.FromSeconds(0.5)):0} on {threads}");
        Console.WriteLine($"Winograd {(KernelVision.Cpu.Kernels.Neural.ConvCpu.WinogradEnabled ? KernelVision.Cpu.Conv.WinogradConv.LargeTilesEnabled ? "F(4x4) and F(2x2)" : "F(2x2)" : "off")}, " +
                          $"tuning {Environment.GetEnvironmentVariable("KV_TUNING") ?? "default"}");
        Console.WriteLine($"threads {threads}, {warmup} warm-up + {runs} timed runs each, " +
                          (separate ? "each engine in a process of its own" : "alternating KernelVision / ORT in one process") +
                          $", ORT {OrtVersion()}" + (o.Flag("--ort-no-spin") ? ", ORT spinning off" : "") +
                          $", KernelVision workers spin {KernelVision.Cpu.Threading.CpuThreadPool.DefaultSpinMicroseconds} µs before sleeping");
        Console.WriteLine();
        Console.WriteLine("| model | batch | set-up | KernelVision ms (median / min) | ORT ms (median / min) | ratio (median) | target |");
        Console.WriteLine("|---|--:|---|--:|--:|--:|--:|");
        foreach (var (file, batch, target) in suite)
        {
            foreach (int gapMs in gaps)
            {
                var (kv, ort) = separate
                    ? (RunChild("kernelvision", file, batch, threads, runs, warmup, gapMs), RunChild("ort", file, batch, threads, runs, warmup, gapMs))
                    : Measure(file, batch, threads, runs, warmup, gapMs, o.Flag("--ort-no-spin"), o.Flag("--spin-probe"), o.Value("--ort-profile"));
                double ratio = Median(kv) / Median(ort);
                string verdict = double.IsNaN(target) ? "" : $"≤ {target:0.0} {(ratio <= target ? "met" : "NOT met")}";
                string setup = gapMs > 0 ? $"settled {gapMs} ms" : "back to back";
                Console.WriteLine($"| {Path.GetFileNameWithoutExtension(file)} | {batch} | {setup} | {Median(kv):0.00} / {kv.Min():0.00} | " +
                                  $"{Median(ort):0.00} / {ort.Min():0.00} | **{ratio:0.00}** | {verdict} |");
            }
        }
        return 0;
    }

    private static string[] Positional(string[] rest)
    {
        var list = new List<string>();
        for (int i = 0; i < rest.Length; i++)
        {
            if (rest[i].StartsWith("--", StringComparison.Ordinal))
            {
                // Options with a value swallow it; flags do not.
                if (i + 1 < rest.Length && !rest[i + 1].StartsWith("--", StringComparison.Ordinal) && !IsFlag(rest[i])) i++;
                continue;
            }
            list.Add(rest[i]);
        }
        return [.. list];
    }

    private static bool IsFlag(string name) => name is "--no-winograd" or "--winograd-f4" or "--in-place" or "--ort-no-spin" or "--spin-probe" or "--separate" or "--thread-cpu";

    /// <summary>Runs one engine alone in a child process of this program and reads back its timings.</summary>
    private static double[] RunChild(string engine, string file, int batch, int threads, int runs, int warmup, int gapMs)
    {
        var psi = new ProcessStartInfo(Environment.ProcessPath!) { RedirectStandardOutput = true, UseShellExecute = false };
        if (!Environment.ProcessPath!.EndsWith("KernelVision.Benchmarks", StringComparison.Ordinal))
            psi.ArgumentList.Add(typeof(CompareCommand).Assembly.Location); // launched as 'dotnet KernelVision.Benchmarks.dll'
        foreach (var a in new[] { "compare", file, "--engine", engine, "--batch", batch.ToString(), "--threads", threads.ToString(),
                     "--runs", runs.ToString(), "--warmup", warmup.ToString(), "--gap-ms", gapMs.ToString() })
            psi.ArgumentList.Add(a);
        using var p = Process.Start(psi)!;
        string output = p.StandardOutput.ReadToEnd().Trim();
        p.WaitForExit();
        if (p.ExitCode != 0) throw new InvalidOperationException($"{engine} child failed on {file}: {output}");
        return output.Split(' ').Select(x => double.Parse(x, System.Globalization.CultureInfo.InvariantCulture)).ToArray();
    }

    /// <summary>The child's side of <c>--separate</c>: one engine, the same input and run loop, timings on stdout.</summary>
    private static int Child(string engine, string file, int batch, int threads, int runs, int warmup, int gapMs)
    {
        var (kvSession, kvInput, ort, ortFeeds) = Open(file, batch, threads, ortNoSpin: false, ortProfile: null, kv: engine == "kernelvision",
            ortOn: engine == "ort");
        Action run = engine == "kernelvision" ? KvLoop(kvSession!, kvInput!).Run : () => { using var r = ort!.Run(ortFeeds!); };
        for (int i = 0; i < warmup; i++) run();
        var ms = new double[runs];
        for (int i = 0; i < runs; i++)
        {
            if (gapMs > 0) Thread.Sleep(gapMs);
            long t0 = Stopwatch.GetTimestamp();
            run();
            ms[i] = Stopwatch.GetElapsedTime(t0).TotalMilliseconds;
        }
        Console.WriteLine(string.Join(' ', ms.Select(x => x.ToString("R", System.Globalization.CultureInfo.InvariantCulture))));
        kvSession?.Dispose();
        ort?.Dispose();
        return 0;
    }

    private static (double[] Kv, double[] Ort) Measure(string file, int batch, int threads, int runs, int warmup, int gapMs, bool ortNoSpin,
        bool spinProbe, string? ortProfile)
    {
        var (kvS, kvIn, ortS, ortIn) = Open(file, batch, threads, ortNoSpin, ortProfile, kv: true, ortOn: true);
        var kvInput = kvIn!;
        var ortFeeds = ortIn!;
        using var kvSession = kvS!;
        using var ort = ortS!;

        // Correctness first: a fast wrong answer is no result (checked on the output the timed loop writes).
        var (kvRun, kvOutputs) = KvLoop(kvSession, kvInput);
        kvRun();
        var kvOut = kvOutputs[kvSession.Outputs[0].Name].Floats;
        float[] ortOut;
        using (var r = ort.Run(ortFeeds)) ortOut = r.First().AsEnumerable<float>().ToArray();
        double maxAbs = ortOut.Max(MathF.Abs), maxErr = 0;
        for (int i = 0; i < ortOut.Length; i++) maxErr = Math.Max(maxErr, Math.Abs(kvOut[i] - ortOut[i]));
        if (maxErr > 1e-3 * Math.Max(maxAbs, 1e-6))
            throw new InvalidOperationException($"{file}: KernelVision and ORT disagree: max|err| {maxErr:g3}, max|out| {maxAbs:g3}");

        for (int i = 0; i < warmup; i++)
        {
            kvRun();
            using var r = ort.Run(ortFeeds);
        }
        if (spinProbe)
        {
            double kvSpin = IdleSpinMs(kvRun);
            double ortSpin = IdleSpinMs(() => { using var r = ort.Run(ortFeeds); });
            Console.WriteLine($"<!-- {Path.GetFileName(file)}: after a run, threads kept a core busy for ~{kvSpin:0} ms (KernelVision) and ~{ortSpin:0} ms (ORT) -->");
        }
        var kv = new double[runs];
        var ortMs = new double[runs];
        for (int i = 0; i < runs; i++)
        {
            // Which engine goes first alternates too, so neither always runs right after the other's spinning workers.
            bool kvFirst = i % 2 == 0;
            for (int turn = 0; turn < 2; turn++)
            {
                if (gapMs > 0) Thread.Sleep(gapMs);
                long t0 = Stopwatch.GetTimestamp();
                double c0 = ThreadCpuMs();
                if ((turn == 0) == kvFirst)
                {
                    kvRun();
                    kv[i] = ThreadCpuTime ? ThreadCpuMs() - c0 : Stopwatch.GetElapsedTime(t0).TotalMilliseconds;
                }
                else
                {
                    using (var r = ort.Run(ortFeeds)) { }
                    ortMs[i] = ThreadCpuTime ? ThreadCpuMs() - c0 : Stopwatch.GetElapsedTime(t0).TotalMilliseconds;
                }
            }
        }
        if (ortProfile is not null) Console.WriteLine($"<!-- ORT profile: {ort.EndProfiling()} -->");
        return (kv, ortMs);
    }

    /// <summary>
    /// KernelVision's run loop: the outputs of a first run are written again by every later run
    /// (RunInto), as ORT's arena hands the same memory back to each run's disposed outputs.
    /// </summary>
    private static (Action Run, IReadOnlyDictionary<string, KvTensor> Outputs) KvLoop(KvSession session, KvTensor input)
    {
        var feeds = new Dictionary<string, KvTensor>(StringComparer.Ordinal) { [session.Inputs[0].Name] = input };
        var outputs = session.Run(feeds);
        return (() => session.RunInto(feeds, outputs), outputs);
    }

    /// <summary>Loads the model in either engine or both, with the same random input (seed 7).</summary>
    private static (KvSession? Kv, KvTensor? KvInput, OrtSession? Ort, NamedOnnxValue[]? OrtFeeds) Open(string file, int batch, int threads,
        bool ortNoSpin, string? ortProfile, bool kv, bool ortOn)
    {
        KvSession? kvSession = kv ? KvSession.Load(file, new KvSessionOptions { Backend = new CpuBackend(threads) }) : null;
        // The ORT-only child still reads the input's name and shape the same way, from a session that runs nothing.
        using var probe = kvSession is null ? KvSession.Load(file, new KvSessionOptions { Backend = KernelVision.Backends.Reference.ReferenceBackend.Instance, Optimize = false }) : null;
        var input = (kvSession ?? probe)!.Inputs[0];
        var dims = input.Shape!.Select((d, i) => (int)(d.Value ?? (i == 0 ? batch : throw new InvalidOperationException(
            $"{file}: input dim {i} is symbolic")))).ToArray();
        if (dims[0] != batch)
            throw new InvalidOperationException($"{file}: batch is fixed at {dims[0]}; cannot run batch {batch}");
        var rng = new Random(7);
        var data = new float[dims.Aggregate(1L, (a, d) => a * d)];
        for (int i = 0; i < data.Length; i++) data[i] = (float)(rng.NextDouble() * 2 - 1);
        if (!ortOn) return (kvSession, KvTensor.FromFloats(dims, data), null, null);

        using var ortOptions = new OrtSessionOptions
        {
            IntraOpNumThreads = threads,
            InterOpNumThreads = 1,
            ExecutionMode = ExecutionMode.ORT_SEQUENTIAL,
            GraphOptimizationLevel = GraphOptimizationLevel.ORT_ENABLE_ALL,
        };
        // Diagnostic: ORT's workers spin after each run, and on two cores a spinning thread of one
        // engine takes a core from the other's next run. Turning ORT's spinning off shows how much.
        if (ortNoSpin) ortOptions.AddSessionConfigEntry("session.intra_op.allow_spinning", "0");
        if (ortProfile is not null)
        {
            // ORT's own per-node timings, to set beside `kv profile`'s.
            ortOptions.EnableProfiling = true;
            ortOptions.ProfileOutputPathPrefix = ortProfile;
        }
        var ort = new OrtSession(file, ortOptions);
        var ortInput = new Microsoft.ML.OnnxRuntime.Tensors.DenseTensor<float>(data, dims);
        return (kvSession, KvTensor.FromFloats(dims, data), ort, [NamedOnnxValue.CreateFromTensor(input.Name, ortInput)]);
    }

    /// <summary>
    /// How long an engine's threads keep a core busy after a run (idle spinning): after 300 ms of
    /// quiet, one run, then the process's CPU time sampled every 2 ms while this thread sleeps; the
    /// end of the last slice in which more than half a core was busy. CPU time is accounted in
    /// scheduler ticks (4 ms here), so this is coarse.
    /// </summary>
    private static double IdleSpinMs(Action run)
    {
        Thread.Sleep(300);
        run();
        using var proc = Process.GetCurrentProcess();
        long t0 = Stopwatch.GetTimestamp();
        double last = proc.TotalProcessorTime.TotalMilliseconds, lastBusy = 0, window = 0;
        while ((window = Stopwatch.GetElapsedTime(t0).TotalMilliseconds) < 200)
        {
            Thread.Sleep(2);
            proc.Refresh();
            double now = proc.TotalProcessorTime.TotalMilliseconds;
            double elapsed = Stopwatch.GetElapsedTime(t0).TotalMilliseconds;
            if (now - last > 0.5 * (elapsed - window)) lastBusy = elapsed;
            last = now;
        }
        return lastBusy;
    }

    /// <summary>
    /// <c>--thread-cpu</c> (one thread only): time runs by the calling thread's CPU time instead of
    /// the wall clock. Both engines then compute on the caller alone, and CPU time does not count
    /// the slices other processes take — a diagnostic for a busy machine, not a latency to report.
    /// </summary>
    internal static bool ThreadCpuTime { get; set; }

    [System.Runtime.InteropServices.StructLayout(System.Runtime.InteropServices.LayoutKind.Sequential)]
    private struct TimeSpec { public long Sec, Nsec; }

    [System.Runtime.InteropServices.DllImport("libc", EntryPoint = "clock_gettime")]
    private static extern int ClockGetTime(int clock, out TimeSpec ts);

    private static double ThreadCpuMs()
    {
        if (!ThreadCpuTime) return 0;
        ClockGetTime(3 /* CLOCK_THREAD_CPUTIME_ID */, out var ts);
        return ts.Sec * 1e3 + ts.Nsec / 1e6;
    }

    private static string OrtVersion() => typeof(OrtSession).Assembly.GetName().Version?.ToString(3) ?? "?";

    internal static double Median(double[] xs)
    {
        var s = xs.Order().ToArray();
        return s.Length % 2 == 1 ? s[s.Length / 2] : (s[s.Length / 2 - 1] + s[s.Length / 2]) / 2;
    }
}
