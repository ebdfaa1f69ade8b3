using System.Diagnostics;
using KernelVision.Cpu;

namespace KernelVision.Benchmarks;

/// <summary>
/// One conv layer of <see cref="ConvBenchmarks.Layers"/> timed in-process with a kernel-choice
/// switch flipped between consecutive runs (A, B, A, B, …), so both variants see the same machine
/// noise; prints min and median of each. The quick A/B tool for kernel work on a noisy machine.
/// </summary>
public static class LayerCommand
{
    /// <summary>Switches that can be A/B-tested: name → setter (false = A, true = B).</summary>
    private static readonly Dictionary<string, Action<bool>> Switches = new()
    {
        ["none"] = _ => { },
        ["direct-b"] = on => KernelVision.Cpu.Gemm.Sgemm.DirectBMaxRows = on ? 48 : 0,
        ["direct-b-all"] = on => KernelVision.Cpu.Gemm.Sgemm.DirectBMaxRows = on ? int.MaxValue : 0,
        ["transposed-gemm"] = on => KernelVision.Cpu.Kernels.Neural.ConvCpu.ForceTransposed = on,
        ["blocked-depthwise"] = on => KernelVision.Cpu.Conv.DepthwiseConvBlocked.MaxWidth = on ? 1 << 20 : 0,
        ["in-place"] = on => KernelVision.Cpu.Kernels.Neural.ConvCpu.ForceInPlace = on,
        ["im2col-tails"] = on => KernelVision.Cpu.Conv.Im2ColSource.VectorTails = on,
        // Im2col's vector tails and the register-block, shared transposition at once (whole models).
        ["small-planes"] = on =>
        {
            KernelVision.Cpu.Conv.Im2ColSource.VectorTails = on;
            KernelVision.Cpu.Conv.MatrixTranspose.RegisterBlocks = on;
            KernelVision.Cpu.Conv.MatrixTranspose.Shared = on;
        },
        // Both variants transposed; A transposes Yᵀ on the calling thread, B on all threads.
        ["transpose-threads"] = on =>
        {
            KernelVision.Cpu.Kernels.Neural.ConvCpu.ForceTransposed = true;
            KernelVision.Cpu.Conv.MatrixTranspose.Shared = on;
        },
        // Both variants transposed; A transposes Yᵀ element by element, B in 8 × 8 register blocks.
        ["transpose-blocks"] = on =>
        {
            KernelVision.Cpu.Kernels.Neural.ConvCpu.ForceTransposed = true;
            KernelVision.Cpu.Conv.MatrixTranspose.RegisterBlocks = on;
        },
        // In-place forced on both sides: A splits its pad, GEMM and compaction each on their own, B bands of rows.
        ["in-place-bands"] = on =>
        {
            KernelVision.Cpu.Kernels.Neural.ConvCpu.ForceInPlace = true;
            KernelVision.Cpu.Kernels.Neural.ConvCpu.InPlaceBands = on;
        },
        // Banded in-place (A) against parts of the output channels (B).
        ["in-place-channels"] = on =>
        {
            KernelVision.Cpu.Kernels.Neural.ConvCpu.ForceInPlace = true;
            KernelVision.Cpu.Kernels.Neural.ConvCpu.ForceSplitChannels = on;
        },
        // Sgemm's threshold for splitting a product over the threads: 3 MFLOP (A) against 1 (B).
        ["par-threshold"] = on => KernelVision.Cpu.Gemm.Sgemm.ParallelThresholdFlops = on ? 1_000_000 : 3_000_000,
        // 2-D pools one whole padded plane at a time (B) against the per-row table path (A).
        ["pool-planes"] = on => KernelVision.Cpu.Pool.Pooling.WholePlanes = on,
        // The same for a whole model, on the paths the rules or the tuner chose.
        ["bands"] = on => KernelVision.Cpu.Kernels.Neural.ConvCpu.InPlaceBands = on,
        // Im2ColInPlace for stride-2 convs too (B) or stride 1 only (A); read when a shape is planned,
        // so a whole model needs --plan-switch.
        // In-place forced on both sides: A's grid ragged, B's columns rounded up to half a panel.
        ["in-place-round"] = on =>
        {
            KernelVision.Cpu.Kernels.Neural.ConvCpu.ForceInPlace = true;
            KernelVision.Cpu.Kernels.Neural.ConvCpu.RoundGrid = on;
        },
        // Im2Col (A) or Im2ColT (A of the second) against Im2ColInPlace (B): the tuner's three GEMM candidates.
        ["in-place-vs-im2col"] = on =>
        {
            KernelVision.Cpu.Kernels.Neural.ConvCpu.ForceInPlace = on;
            KernelVision.Cpu.Kernels.Neural.ConvCpu.ForceTransposed = on ? null : false;
        },
        ["in-place-vs-im2colt"] = on =>
        {
            KernelVision.Cpu.Kernels.Neural.ConvCpu.ForceInPlace = on;
            KernelVision.Cpu.Kernels.Neural.ConvCpu.ForceTransposed = on ? null : true;
        },
        // In-place forced on both sides: A computes Y = W·B over the grid, B Yᵀ = colᵀ·Wᵀ (Im2ColInPlaceT).
        ["in-place-t"] = on =>
        {
            KernelVision.Cpu.Kernels.Neural.ConvCpu.ForceInPlace = true;
            KernelVision.Cpu.Kernels.Neural.ConvCpu.ForceTransposed = on ? true : null;
        },
        // Sgemm's task grid forced: 2×1 (A: split the rows) against 1×2 (B: split the columns).
        ["norm-in-place-t"] = on => KernelVision.Cpu.Kernels.Neural.ConvCpu.NormalizedInPlace = on,
        ["prefetch-panels"] = on => KernelVision.Cpu.Gemm.Sgemm.PrefetchNextPanels = on,
        ["split-columns"] = on => KernelVision.Cpu.Gemm.Sgemm.ForceSplit = on ? (1, 2) : (2, 1),
        ["split-columns-t"] = on =>
        {
            KernelVision.Cpu.Kernels.Neural.ConvCpu.ForceTransposed = true;
            KernelVision.Cpu.Gemm.Sgemm.ForceSplit = on ? (1, 2) : (2, 1);
        },
        ["norm-local"] = on => KernelVision.Cpu.Kernels.Neural.ConvCpu.NormalizeLocal = on,
        ["norm-local-t"] = on =>
        {
            KernelVision.Cpu.Kernels.Neural.ConvCpu.ForceTransposed = true;
            KernelVision.Cpu.Kernels.Neural.ConvCpu.NormalizeLocal = on;
        },
        ["norm-copy"] = on => KernelVision.Cpu.Kernels.Neural.ConvCpu.NormalizeByCopy = on,
        ["norm-copy-t"] = on =>
        {
            KernelVision.Cpu.Kernels.Neural.ConvCpu.ForceTransposed = true;
            KernelVision.Cpu.Kernels.Neural.ConvCpu.NormalizeByCopy = on;
        },
        // The rules' path (Winograd on 3×3 stride 1 where it applies) against Im2ColInPlaceT.
        ["rules-vs-in-place-t"] = on =>
        {
            KernelVision.Cpu.Kernels.Neural.ConvCpu.ForceInPlace = on;
            KernelVision.Cpu.Kernels.Neural.ConvCpu.ForceTransposed = on ? true : null;
        },
        // Resize chunks of at least 32768 output elements (A) or 16384 (B): U-Net's first resize on one thread or two.
        ["resize-chunk"] = on => KernelVision.Cpu.Kernels.Layout.Resampler.MinChunk = on ? 16384 : 32768,
        // 2- and 3-wide stride-2 max pools read straight from the input (B) or through a padded, split copy of each plane (A).
        ["direct-max"] = on => KernelVision.Cpu.Pool.Pooling.DirectMax = on,
        ["in-place-s2"] = on => KernelVision.Cpu.Kernels.Neural.ConvCpu.InPlaceStride2 = on,
    };

    public static int Run(Options o, string[] rest)
    {
        string? name = rest.FirstOrDefault(a => !a.StartsWith("--", StringComparison.Ordinal));
        if (name is not null && name.EndsWith(".onnx", StringComparison.OrdinalIgnoreCase)) return RunModel(o, name);
        if (name is null || !ConvBenchmarks.Layers.TryGetValue(name, out var layer))
        {
            Console.Error.WriteLine("usage: layer \"NAME\" [--switch S] [--threads T] [--runs N] [--tuned] [--cold] [--producer same|swapped|pixels|caller|worker]; layers:\n  " +
                string.Join("\n  ", ConvBenchmarks.Layers.Keys) + "\nswitches: " + string.Join(", ", Switches.Keys));
            return 2;
        }
        string sw = o.Value("--switch") ?? "none";
        if (!Switches.TryGetValue(sw, out var set))
        {
            Console.Error.WriteLine($"unknown switch '{sw}' ({string.Join(", ", Switches.Keys)})");
            return 2;
        }
        int threads = o.Int("--threads", Environment.ProcessorCount), runs = o.Int("--runs", 200);
        var (op, inputs, output) = ConvBenchmarks.Build(layer, out long flops);
        var backend = new CpuBackend(threads);
        // A kernel per variant: the path is chosen when the kernel first plans a shape.
        // --tuned: the path the tuner picks (as a session would, KV_TUNING_CACHE's cache included)
        // instead of the built-in rules, which may choose another one than a model runs.
        bool tuned = o.Flag("--tuned");
        var kernels = new KernelVision.Backends.IKernel[2];
        for (int v = 0; v < 2; v++)
        {
            set(v == 1);
            kernels[v] = ConvBenchmarks.CreateKernel(backend, op, inputs);
            if (tuned && kernels[v] is KernelVision.Backends.ITunableKernel t) t.Tuning = KernelVision.Backends.KernelTuning.Full;
            kernels[v].Run(inputs, [output]);
        }
        var ms = new[] { new double[runs], new double[runs] };
        // --cold: 64 MiB written before each run pushes the weights (and X) out of the caches, as a
        // model's other layers do between two runs of this one.
        byte[]? flush = o.Flag("--cold") ? new byte[64 << 20] : null;
        // --producer HOW: X rewritten before each run, split over the threads as Producer.Write says.
        string? producer = o.Value("--producer");
        var x = inputs[0]!;
        float[] xData = x.Floats.ToArray();
        for (int i = 0; i < runs; i++)
            for (int v = 0; v < 2; v++)
            {
                set(v == 1);
                if (flush is not null) Array.Fill(flush, (byte)i);
                if (producer is not null) Producer.Write(backend.Pool, producer, xData, (float[])x.Raw.Storage, x.Shape[0] * x.Shape[1]);
                long t0 = Stopwatch.GetTimestamp();
                kernels[v].Run(inputs, [output]);
                ms[v][i] = Stopwatch.GetElapsedTime(t0).TotalMilliseconds;
            }
        Console.WriteLine($"{name}, {threads} threads, {flops / 1e6:0.0} MFLOP, switch {sw}{(producer is null ? "" : $", X written first ({producer})")}:");
        for (int v = 0; v < 2; v++)
        {
            var s = ms[v].Order().ToArray();
            string path = (kernels[v] as KernelVision.Backends.IKernelVariant)?.Variant is { Length: > 0 } p ? $", {p}" : "";
            Console.WriteLine($"  {(v == 0 ? "A (off)" : "B (on) ")}: min {s[0]:0.000} ms, median {s[s.Length / 2]:0.000} ms, {flops / (s[0] * 1e6):0.0} GFLOP/s at min{path}");
        }
        return 0;
    }

    /// <summary>
    /// A whole model (first input random, batch 1) with the switch flipped run by run: the switches
    /// are read at run time, so one session serves both variants. <c>--gap-ms</c> sleeps before each run.
    /// <c>--preset S:on|off</c> sets switch S for the whole run first (both variants: one side of an
    /// A/B across processes, for switches read when a kernel plans a shape).
    /// <c>--plan-switch</c>: for switches read when a kernel plans a shape, a session per variant,
    /// B's planned (and tuned, filling the tuning cache) first, then A's under the switch off, which
    /// falls back to the rules where the cached choice is not one of its candidates.
    /// </summary>
    private static int RunModel(Options o, string file)
    {
        string sw = o.Value("--switch") ?? "none";
        if (!Switches.TryGetValue(sw, out var set))
        {
            Console.Error.WriteLine($"unknown switch '{sw}' ({string.Join(", ", Switches.Keys)})");
            return 2;
        }
        if (o.Value("--preset") is { } preset)
        {
            var parts = preset.Split(':');
            if (parts.Length != 2 || !Switches.TryGetValue(parts[0], out var fixedSet) || parts[1] is not ("on" or "off"))
            {
                Console.Error.WriteLine($"--preset wants SWITCH:on or SWITCH:off, not '{preset}'");
                return 2;
            }
            fixedSet(parts[1] == "on");
        }
        int threads = o.Int("--threads", Environment.ProcessorCount), runs = o.Int("--runs", 50), gap = o.Int("--gap-ms", 0);
        // --skip-passes P,Q: A is the model loaded without those passes, B with every pass (one process, alternating).
        var skip = (o.Value("--skip-passes") ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries).ToHashSet();
        var backend = new CpuBackend(threads);
        using var withAll = KernelVision.Execution.InferenceSession.Load(file, new KernelVision.Execution.SessionOptions { Backend = backend });
        bool planSwitch = o.Flag("--plan-switch");
        using var without = skip.Count == 0 && !planSwitch ? null
            : KernelVision.Execution.InferenceSession.Load(file, new KernelVision.Execution.SessionOptions { Backend = backend, SkipPasses = skip });
        var sessions = new[] { without ?? withAll, withAll };
        var input = withAll.Inputs[0];
        var dims = input.Shape!.Select(d => (int)(d.Value ?? 1)).ToArray();
        var rng = new Random(7);
        var data = new float[dims.Aggregate(1, (a, d) => a * d)];
        for (int i = 0; i < data.Length; i++) data[i] = (float)(rng.NextDouble() * 2 - 1);
        var x = KernelVision.Tensors.Tensor.FromFloats(dims, data);
        for (int v = 1; v >= 0; v--)
        {
            set(v == 1);
            for (int i = 0; i < 3; i++) sessions[v].Run(x);
        }
        var ms = new[] { new double[runs], new double[runs] };
        for (int i = 0; i < runs; i++)
            for (int v = 0; v < 2; v++)
            {
                set(v == 1);
                if (gap > 0) Thread.Sleep(gap);
                long t0 = Stopwatch.GetTimestamp();
                sessions[v].Run(x);
                ms[v][i] = Stopwatch.GetElapsedTime(t0).TotalMilliseconds;
            }
        set(false);
        string skipped = skip.Count > 0 ? $", A skips {string.Join(",", skip)}" : "";
        Console.WriteLine($"{Path.GetFileName(file)}, {threads} threads, switch {sw}{(o.Value("--preset") is { } p ? $", {p}" : "")}{(planSwitch ? " (a session each)" : "")}{skipped}{(gap > 0 ? $", {gap} ms idle before each run" : "")}:");
        for (int v = 0; v < 2; v++)
        {
            var s = ms[v].Order().ToArray();
            Console.WriteLine($"  {(v == 0 ? "A (off)" : "B (on) ")}: min {s[0]:0.000} ms, median {s[s.Length / 2]:0.000} ms");
        }
        return 0;
    }
}
