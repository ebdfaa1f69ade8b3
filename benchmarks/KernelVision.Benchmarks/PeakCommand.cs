using System.Diagnostics;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace KernelVision.Benchmarks;

/// <summary>
/// Measures the FP32 peak: a loop of independent FMA chains that never touches memory, so only
/// the FMA units limit it. 12 chains of Vector256 cover two FMA ports × 4-cycle latency with room
/// to spare; with Avx512 the same on Vector512. The result is the ceiling every GEMM number is
/// compared with ("% of peak").
/// </summary>
public static class PeakCommand
{
    public static void Run(Options o)
    {
        int threads = o.Int("--threads", Environment.ProcessorCount);
        Console.WriteLine(MachineInfo.Describe());
        double one = MeasureGflops(1, TimeSpan.FromSeconds(1));
        Console.WriteLine($"FP32 FMA peak, 1 thread:  {one,8:F1} GFLOP/s  ({Width() * 2} flops per FMA instruction)");
        Console.WriteLine($"FP32 FMA peak, 1 thread, per CPU-second: {MeasureCpuTimeGflops(TimeSpan.FromSeconds(1)),8:F1} GFLOP/s");
        if (threads > 1)
        {
            double all = MeasureGflops(threads, TimeSpan.FromSeconds(1));
            Console.WriteLine($"FP32 FMA peak, {threads} threads: {all,8:F1} GFLOP/s  ({all / one:F2}× one thread)");
        }
    }

    private static int Width() => Vector512.IsHardwareAccelerated ? 16 : Vector256.IsHardwareAccelerated ? 8 : 4;

    /// <summary>
    /// GFLOP/s of <paramref name="threads"/> threads each running the FMA loop for
    /// <paramref name="duration"/>, in chunks of ~0.1 ms: each thread reports its fastest chunk and
    /// the rates add up. The best chunk is the uncontended speed even when other processes share
    /// the cores (GEMM timings are taken the same way: best of repeated runs).
    /// </summary>
    public static double MeasureGflops(int threads, TimeSpan duration)
    {
        double[] best = new double[threads];
        var start = new Barrier(threads);
        var ts = Enumerable.Range(0, threads).Select(t => new Thread(() =>
        {
            start.SignalAndWait();
            var total = Stopwatch.StartNew();
            while (total.Elapsed < duration)
            {
                long t0 = Stopwatch.GetTimestamp();
                long flops = Chunk(1 << 15);
                double rate = flops / Stopwatch.GetElapsedTime(t0).TotalSeconds / 1e9;
                if (rate > best[t]) best[t] = rate;
            }
        })).ToList();
        ts.ForEach(t => t.Start());
        ts.ForEach(t => t.Join());
        return best.Sum();
    }

    /// <summary>
    /// One thread's FMA rate per second of CPU time it actually got (process CPU time, so other
    /// processes time-slicing the core do not count against it): the peak to compare
    /// <see cref="GemmCommand"/>'s CPU-time rates with on a busy machine.
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

    private static int Sink;

    /// <summary>Runs <paramref name="iterations"/> × 12 FMAs; returns the flops done.</summary>
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
