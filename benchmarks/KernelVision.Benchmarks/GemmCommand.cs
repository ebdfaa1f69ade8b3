using System.Diagnostics;
using KernelVision.Cpu.Gemm;
using KernelVision.Cpu.Threading;

namespace KernelVision.Benchmarks;

/// <summary>
/// The quick GEMM table: square SGEMM (C = A·B, row-major, no transposition) for each size on one
/// thread and on all threads, GFLOP/s (best and median of repeated runs after a warm-up) and % of
/// the FMA peak measured by <see cref="PeakCommand"/> in the same process.
/// </summary>
public static class GemmCommand
{
    public static void Run(Options o)
    {
        bool quick = o.Flag("--quick");
        int threads = o.Int("--threads", Environment.ProcessorCount);
        var kernel = o.Value("--kernel") is { } name
            ? GemmKernel.ByName(name) ?? throw new ArgumentException($"unknown kernel '{name}' (avx512, avx2, vector128, scalar)")
            : GemmKernel.Best;
        int[] sizes = o.Value("--sizes") is { } s ? s.Split(',').Select(int.Parse).ToArray() : [64, 128, 256, 512, 1024, 2048];
        var budget = TimeSpan.FromSeconds(quick ? 0.3 : 1.5);

        Console.WriteLine(MachineInfo.Describe());
        double peak1 = KernelVision.Cpu.Diagnostics.MachinePeak.MeasureGflops(1, TimeSpan.FromSeconds(quick ? 0.3 : 1));
        double peakN = threads > 1 ? KernelVision.Cpu.Diagnostics.MachinePeak.MeasureGflops(threads, TimeSpan.FromSeconds(quick ? 0.3 : 1)) : peak1;
        double peakCpu = KernelVision.Cpu.Diagnostics.MachinePeak.MeasureCpuTimeGflops(TimeSpan.FromSeconds(quick ? 0.3 : 1));
        Console.WriteLine($"kernel {kernel}; FMA peak {peak1:F1} GFLOP/s on 1 thread ({peakCpu:F1} per CPU-second), {peakN:F1} on {threads}");
        Console.WriteLine("GFLOP/s = 2·n³ / wall time (best and median of repeated runs); CPU-s = per second of CPU time");
        Console.WriteLine("actually received, which other processes sharing the core do not distort.");
        Console.WriteLine();
        Console.WriteLine($"| size | 1 thread GFLOP/s (best / median) | % of 1-core peak | 1 thread GFLOP/CPU-s | % of peak | {threads} threads GFLOP/s (best / median) | % of {threads}-core peak | speed-up |");
        Console.WriteLine("|-----:|------:|-----:|-----:|-----:|------:|-----:|-----:|");
        foreach (int n in sizes)
        {
            var (b1, m1, c1) = Measure(n, kernel, CpuThreadPool.Serial, budget);
            var (bN, mN, _) = threads > 1 ? Measure(n, kernel, CpuThreadPool.Shared(threads), budget) : (b1, m1, c1);
            Console.WriteLine($"| {n} | {b1:F1} / {m1:F1} | {100 * b1 / peak1:F0} % | {c1:F1} | {100 * c1 / peakCpu:F0} % | {bN:F1} / {mN:F1} | {100 * bN / peakN:F0} % | {bN / b1:F2}× |");
        }
    }

    /// <summary>Best and median GFLOP/s of n³ SGEMM over repeated runs filling <paramref name="budget"/>, and GFLOP per CPU-second over all of them.</summary>
    public static (double Best, double Median, double PerCpuSecond) Measure(int n, GemmKernel kernel, CpuThreadPool pool, TimeSpan budget)
    {
        var rng = new Random(42);
        var a = new float[n * n];
        var b = new float[n * n];
        var c = new float[n * n];
        for (int i = 0; i < a.Length; i++)
        {
            a[i] = (float)rng.NextDouble() - 0.5f;
            b[i] = (float)rng.NextDouble() - 0.5f;
        }
        double flops = 2.0 * n * n * n;
        for (int w = 0; w < 3; w++) Sgemm.Multiply(false, false, n, n, n, 1, a, n, b, n, 0, c, n, pool: pool, kernel: kernel);
        var rates = new List<double>();
        var cpu0 = Environment.CpuUsage.TotalTime;
        var total = Stopwatch.StartNew();
        while (rates.Count < 3 || (total.Elapsed < budget && rates.Count < 1000))
        {
            long t0 = Stopwatch.GetTimestamp();
            Sgemm.Multiply(false, false, n, n, n, 1, a, n, b, n, 0, c, n, pool: pool, kernel: kernel);
            double sec = Stopwatch.GetElapsedTime(t0).TotalSeconds;
            rates.Add(flops / sec / 1e9);
        }
        double cpuSeconds = (Environment.CpuUsage.TotalTime - cpu0).TotalSeconds;
        rates.Sort();
        return (rates[^1], rates[rates.Count / 2], flops * rates.Count / cpuSeconds / 1e9);
    }
}
