using System.Diagnostics;
using KernelVision.Cpu.Threading;

namespace KernelVision.Benchmarks;

/// <summary>
/// The thread pool's hand-off cost: the round trip of a ParallelFor whose items do nothing,
/// back to back (workers spinning) and after an idle pause (workers asleep). This is the fixed
/// price a layer pays for using more than one thread.
/// </summary>
public static class PoolCommand
{
    public static void Run(Options o)
    {
        int threads = o.Int("--threads", Environment.ProcessorCount);
        var pool = CpuThreadPool.Shared(threads);
        // Each item busy-waits 5 µs, so the caller cannot finish them all alone before the workers
        // join: the round trip minus 5 µs is the hand-off overhead.
        Action<int> body = static _ =>
        {
            long end = Stopwatch.GetTimestamp() + Stopwatch.Frequency * 5 / 1_000_000;
            while (Stopwatch.GetTimestamp() < end) { }
        };
        Console.WriteLine(MachineInfo.Describe());
        for (int i = 0; i < 1000; i++) pool.ParallelFor(threads, body);

        var hot = new List<double>();
        for (int i = 0; i < 5000; i++)
        {
            long t0 = Stopwatch.GetTimestamp();
            pool.ParallelFor(threads, body);
            hot.Add(Stopwatch.GetElapsedTime(t0).TotalMicroseconds);
        }
        var cold = new List<double>();
        for (int i = 0; i < 50; i++)
        {
            Thread.Sleep(5); // longer than the spin window: workers block
            long t0 = Stopwatch.GetTimestamp();
            pool.ParallelFor(threads, body);
            cold.Add(Stopwatch.GetElapsedTime(t0).TotalMicroseconds);
        }
        Console.WriteLine($"ParallelFor({threads} items of 5 µs) on {threads} threads, spin window {pool.SpinMicroseconds} µs (ideal: 5 µs; serial: {5 * threads} µs)");
        Console.WriteLine($"  workers spinning: median {Median(hot):F2} µs, 90th percentile {Percentile(hot, 0.9):F2} µs");
        Console.WriteLine($"  workers asleep:   median {Median(cold):F2} µs, 90th percentile {Percentile(cold, 0.9):F2} µs");
    }

    private static double Median(List<double> x) => Percentile(x, 0.5);

    private static double Percentile(List<double> x, double p)
    {
        var s = x.OrderBy(v => v).ToList();
        return s[(int)Math.Min(s.Count - 1, p * s.Count)];
    }
}
