using System.Diagnostics;
using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace KernelVision.Cpu.Diagnostics;

/// <summary>
/// The machine's measured ceilings for a roofline: FP32 FMA throughput and main-memory read
/// bandwidth on a given number of threads, from a short (~0.2 s) calibration.
/// </summary>
/// <param name="Gflops">Peak FP32 GFLOP/s (an FMA counts 2).</param>
/// <param name="GBps">Memory read bandwidth in GB/s (10⁹ bytes).</param>
/// <param name="Threads">Threads both were measured on.</param>
/// <param name="VectorBits">SIMD width the FMA loop used (128, 256 or 512).</param>
public sealed record MachinePeak(double Gflops, double GBps, int Threads, int VectorBits)
{
    /// <summary>Arithmetic intensity (FLOP/byte) where the bandwidth roof meets the compute roof.</summary>
    public double RidgePoint => Gflops / GBps;

    /// <summary>Attainable GFLOP/s at arithmetic intensity <paramref name="flopsPerByte"/>: min(peak, intensity × bandwidth).</summary>
    public double Roof(double flopsPerByte) => Math.Min(Gflops, flopsPerByte * GBps);

    /// <summary>
    /// Measures both ceilings on <paramref name="threads"/> threads: a register-only loop of 12
    /// independent FMA chains (Vector512 where accelerated, else Vector256 FMA, else Vector128),
    /// each thread reporting its fastest ~0.1 ms chunk; then summing a 128 MiB array (far larger
    /// than the caches) split across the threads, the median of 5 passes, each timed by the workers.
    /// </summary>
    public static MachinePeak Measure(int threads)
    {
        if (threads < 1) throw new InputException($"--threads must be at least 1, got {threads}");
        int bits = Vector512.IsHardwareAccelerated ? 512 : Fma.IsSupported ? 256 : 128;
        return new MachinePeak(MeasureGflops(threads, TimeSpan.FromMilliseconds(80)), MeasureBandwidth(threads, 128 << 20, passes: 5), threads, bits);
    }

    /// <summary>GFLOP/s of <paramref name="threads"/> threads each running the FMA loop for <paramref name="duration"/>; the sum of each thread's best chunk rate.</summary>
    public static double MeasureGflops(int threads, TimeSpan duration)
    {
        var best = new double[threads];
        using var start = new Barrier(threads);
        var ts = new Thread[threads];
        for (int i = 0; i < threads; i++)
        {
            int t = i;
            ts[t] = new Thread(() =>
            {
                Chunk(1 << 10); // JIT
                start.SignalAndWait();
                var total = Stopwatch.StartNew();
                while (total.Elapsed < duration)
                {
                    long t0 = Stopwatch.GetTimestamp();
                    long flops = Chunk(1 << 13);
                    double rate = flops / Stopwatch.GetElapsedTime(t0).TotalSeconds / 1e9;
                    if (rate > best[t]) best[t] = rate;
                }
            })
            { IsBackground = true, Name = "kv-peak" };
        }
        foreach (var t in ts) t.Start();
        foreach (var t in ts) t.Join();
        return best.Sum();
    }

    /// <summary>
    /// One thread's FMA rate per second of CPU time it actually got (process CPU time, so other
    /// processes time-slicing the core do not count against it): the peak to compare CPU-time
    /// rates with on a busy machine.
    /// </summary>
    public static double MeasureCpuTimeGflops(TimeSpan duration)
    {
        Chunk(1 << 12);
        var cpu0 = Environment.CpuUsage.TotalTime;
        var wall = Stopwatch.StartNew();
        long flops = 0;
        while (wall.Elapsed < duration) flops += Chunk(1 << 15);
        return flops / (Environment.CpuUsage.TotalTime - cpu0).TotalSeconds / 1e9;
    }

    /// <summary>Plausible bounds for a CPU's memory bandwidth in GB/s; a measurement outside them is redone.</summary>
    public static (double Min, double Max) SaneBandwidth { get; } = (0.2, 2000);

    /// <summary>
    /// Read bandwidth in GB/s: <paramref name="threads"/> threads sum disjoint slices of a
    /// <paramref name="bytes"/>-byte array together, <paramref name="passes"/> times; the median pass counts.
    /// </summary>
    public static double MeasureBandwidth(int threads, long bytes, int passes) => Bandwidth(threads, bytes, passes, copy: false);

    /// <summary>
    /// STREAM-style copy bandwidth in GB/s (b[i] = a[i] over two arrays of <paramref name="bytes"/>
    /// each; read + written bytes counted, as STREAM does), measured exactly like
    /// <see cref="MeasureBandwidth"/>: the benchmarks project's yardstick for it.
    /// </summary>
    public static double MeasureCopyBandwidth(int threads, long bytes, int passes) => Bandwidth(threads, bytes, passes, copy: true);

    // Each worker stamps its own start and end of every pass; a pass lasts from the first start to
    // the last end. The clock is never read by a thread that does not work: a coordinator timing
    // the barriers competed with the workers for the cores, was scheduled after they had finished
    // and measured almost nothing (74565 GB/s). The median pass, not the fastest, is reported,
    // and an implausible result is measured again (up to 3 times).
    private static double Bandwidth(int threads, long bytes, int passes, bool copy)
    {
        if (threads < 1) throw new InputException($"--threads must be at least 1, got {threads}");
        if (passes < 1) throw new InputException($"passes must be at least 1, got {passes}");
        double r = 0;
        for (int attempt = 0; attempt < 3; attempt++)
        {
            r = BandwidthOnce(threads, bytes, passes, copy);
            if (r >= SaneBandwidth.Min && r <= SaneBandwidth.Max) break;
        }
        return r;
    }

    private static double BandwidthOnce(int threads, long bytes, int passes, bool copy)
    {
        int n = (int)Math.Min(bytes / sizeof(float), Array.MaxLength);
        var data = GC.AllocateUninitializedArray<float>(n);
        var dest = copy ? GC.AllocateUninitializedArray<float>(n) : null;
        using var barrier = new Barrier(threads);
        var partial = new float[threads];
        var start = new long[passes, threads];
        var end = new long[passes, threads];
        var ts = new Thread[threads];
        int slice = (n / threads + 15) & ~15;
        for (int i = 0; i < threads; i++)
        {
            int t = i;
            ts[t] = new Thread(() =>
            {
                int lo = Math.Min(n, t * slice), hi = Math.Min(n, lo + slice);
                var mine = data.AsSpan(lo, hi - lo);
                mine.Fill(1e-3f); // first touch on the thread that reads it
                dest?.AsSpan(lo, hi - lo).Clear();
                for (int p = 0; p < passes; p++)
                {
                    barrier.SignalAndWait();
                    start[p, t] = Stopwatch.GetTimestamp();
                    if (dest is null) partial[t] += Sum(mine);
                    else mine.CopyTo(dest.AsSpan(lo, hi - lo));
                    end[p, t] = Stopwatch.GetTimestamp();
                }
            })
            { IsBackground = true, Name = "kv-bandwidth" };
        }
        foreach (var t in ts) t.Start();
        foreach (var t in ts) t.Join();
        float sink = 0;
        foreach (var v in partial) sink += v;
        if (dest is not null) sink += dest[n / 2];
        Volatile.Write(ref Sink, Sink + (sink > 1e30f ? 1 : 0));

        double moved = (double)n * sizeof(float) * (copy ? 2 : 1);
        var rates = new double[passes];
        for (int p = 0; p < passes; p++)
        {
            long first = long.MaxValue, last = long.MinValue;
            for (int t = 0; t < threads; t++)
            {
                first = Math.Min(first, start[p, t]);
                last = Math.Max(last, end[p, t]);
            }
            double s = Math.Max(Stopwatch.GetElapsedTime(first, last).TotalSeconds, 1e-9);
            rates[p] = moved / s / 1e9;
        }
        Array.Sort(rates);
        return passes % 2 == 1 ? rates[passes / 2] : (rates[passes / 2 - 1] + rates[passes / 2]) / 2;
    }

    private static int Sink;

    [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
    private static float Sum(ReadOnlySpan<float> x)
    {
        // Four independent accumulators of the machine's natural vector width.
        var v = MemoryMarshal.Cast<float, Vector<float>>(x);
        Vector<float> a0 = default, a1 = default, a2 = default, a3 = default;
        int i = 0;
        for (; i + 4 <= v.Length; i += 4)
        {
            a0 += v[i];
            a1 += v[i + 1];
            a2 += v[i + 2];
            a3 += v[i + 3];
        }
        for (; i < v.Length; i++) a0 += v[i];
        float s = Vector.Sum(a0 + a1 + a2 + a3);
        for (int j = v.Length * Vector<float>.Count; j < x.Length; j++) s += x[j];
        return s;
    }

    /// <summary>Runs <paramref name="iterations"/> × 12 FMAs on the widest accelerated vectors; returns the flops done.</summary>
    private static long Chunk(int iterations)
    {
        if (Vector512.IsHardwareAccelerated) return Fma512(iterations);
        if (Fma.IsSupported) return Fma256(iterations);
        return Fma128(iterations);
    }

    [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
    private static long Fma256(int iterations)
    {
        var m = Vector256.Create(0.999999f);
        var add = Vector256.Create(1e-6f);
        Vector256<float> a0 = Vector256.Create(0.1f), a1 = Vector256.Create(0.2f), a2 = Vector256.Create(0.3f), a3 = Vector256.Create(0.4f);
        Vector256<float> a4 = Vector256.Create(0.5f), a5 = Vector256.Create(0.6f), a6 = Vector256.Create(0.7f), a7 = Vector256.Create(0.8f);
        Vector256<float> a8 = Vector256.Create(0.9f), a9 = Vector256.Create(1.0f), a10 = Vector256.Create(1.1f), a11 = Vector256.Create(1.2f);
        for (int i = 0; i < iterations; i++)
        {
            a0 = Fma.MultiplyAdd(a0, m, add); a1 = Fma.MultiplyAdd(a1, m, add); a2 = Fma.MultiplyAdd(a2, m, add);
            a3 = Fma.MultiplyAdd(a3, m, add); a4 = Fma.MultiplyAdd(a4, m, add); a5 = Fma.MultiplyAdd(a5, m, add);
            a6 = Fma.MultiplyAdd(a6, m, add); a7 = Fma.MultiplyAdd(a7, m, add); a8 = Fma.MultiplyAdd(a8, m, add);
            a9 = Fma.MultiplyAdd(a9, m, add); a10 = Fma.MultiplyAdd(a10, m, add); a11 = Fma.MultiplyAdd(a11, m, add);
        }
        var s = a0 + a1 + a2 + a3 + a4 + a5 + a6 + a7 + a8 + a9 + a10 + a11;
        Volatile.Write(ref Sink, Sink + (s.ToScalar() > 1e30f ? 1 : 0));
        return (long)iterations * 12 * 8 * 2;
    }

    [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
    private static long Fma512(int iterations)
    {
        var m = Vector512.Create(0.999999f);
        var add = Vector512.Create(1e-6f);
        Vector512<float> a0 = Vector512.Create(0.1f), a1 = Vector512.Create(0.2f), a2 = Vector512.Create(0.3f), a3 = Vector512.Create(0.4f);
        Vector512<float> a4 = Vector512.Create(0.5f), a5 = Vector512.Create(0.6f), a6 = Vector512.Create(0.7f), a7 = Vector512.Create(0.8f);
        Vector512<float> a8 = Vector512.Create(0.9f), a9 = Vector512.Create(1.0f), a10 = Vector512.Create(1.1f), a11 = Vector512.Create(1.2f);
        for (int i = 0; i < iterations; i++)
        {
            a0 = Vector512.FusedMultiplyAdd(a0, m, add); a1 = Vector512.FusedMultiplyAdd(a1, m, add); a2 = Vector512.FusedMultiplyAdd(a2, m, add);
            a3 = Vector512.FusedMultiplyAdd(a3, m, add); a4 = Vector512.FusedMultiplyAdd(a4, m, add); a5 = Vector512.FusedMultiplyAdd(a5, m, add);
            a6 = Vector512.FusedMultiplyAdd(a6, m, add); a7 = Vector512.FusedMultiplyAdd(a7, m, add); a8 = Vector512.FusedMultiplyAdd(a8, m, add);
            a9 = Vector512.FusedMultiplyAdd(a9, m, add); a10 = Vector512.FusedMultiplyAdd(a10, m, add); a11 = Vector512.FusedMultiplyAdd(a11, m, add);
        }
        var s = a0 + a1 + a2 + a3 + a4 + a5 + a6 + a7 + a8 + a9 + a10 + a11;
        Volatile.Write(ref Sink, Sink + (s.ToScalar() > 1e30f ? 1 : 0));
        return (long)iterations * 12 * 16 * 2;
    }

    [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
    private static long Fma128(int iterations)
    {
        var m = Vector128.Create(0.999999f);
        var add = Vector128.Create(1e-6f);
        Vector128<float> a0 = Vector128.Create(0.1f), a1 = Vector128.Create(0.2f), a2 = Vector128.Create(0.3f), a3 = Vector128.Create(0.4f);
        Vector128<float> a4 = Vector128.Create(0.5f), a5 = Vector128.Create(0.6f), a6 = Vector128.Create(0.7f), a7 = Vector128.Create(0.8f);
        Vector128<float> a8 = Vector128.Create(0.9f), a9 = Vector128.Create(1.0f), a10 = Vector128.Create(1.1f), a11 = Vector128.Create(1.2f);
        for (int i = 0; i < iterations; i++)
        {
            a0 = Vector128.MultiplyAddEstimate(a0, m, add); a1 = Vector128.MultiplyAddEstimate(a1, m, add); a2 = Vector128.MultiplyAddEstimate(a2, m, add);
            a3 = Vector128.MultiplyAddEstimate(a3, m, add); a4 = Vector128.MultiplyAddEstimate(a4, m, add); a5 = Vector128.MultiplyAddEstimate(a5, m, add);
            a6 = Vector128.MultiplyAddEstimate(a6, m, add); a7 = Vector128.MultiplyAddEstimate(a7, m, add); a8 = Vector128.MultiplyAddEstimate(a8, m, add);
            a9 = Vector128.MultiplyAddEstimate(a9, m, add); a10 = Vector128.MultiplyAddEstimate(a10, m, add); a11 = Vector128.MultiplyAddEstimate(a11, m, add);
        }
        var s = a0 + a1 + a2 + a3 + a4 + a5 + a6 + a7 + a8 + a9 + a10 + a11;
        Volatile.Write(ref Sink, Sink + (s.ToScalar() > 1e30f ? 1 : 0));
        return (long)iterations * 12 * 4 * 2;
    }
}
