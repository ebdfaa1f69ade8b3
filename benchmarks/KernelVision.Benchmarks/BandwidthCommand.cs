using KernelVision.Cpu.Diagnostics;

namespace KernelVision.Benchmarks;

/// <summary>
/// The yardstick for <c>kv profile</c>'s memory roof: a STREAM-like copy (b[i] = a[i], read and
/// written bytes counted) and the read-only sum kv profile calibrates with, both measured the same
/// way by <see cref="MachinePeak"/> (workers time their own passes, median of the passes), repeated.
/// </summary>
public static class BandwidthCommand
{
    public static int Run(Options o)
    {
        int threads = o.Int("--threads", Environment.ProcessorCount);
        int repeats = o.Int("--repeats", 5);
        long bytes = (long)o.Int("--mib", 128) << 20;
        Console.WriteLine(MachineInfo.Describe());
        Console.WriteLine($"{threads} threads, {bytes >> 20} MiB per array, 5 passes per measurement (median)");
        Console.WriteLine($"{"repeat",6} {"copy GB/s",10} {"read GB/s",10} {"read/copy",10}");
        for (int r = 1; r <= repeats; r++)
        {
            double copy = MachinePeak.MeasureCopyBandwidth(threads, bytes, 5);
            double read = MachinePeak.MeasureBandwidth(threads, bytes, 5);
            Console.WriteLine($"{r,6} {copy,10:F1} {read,10:F1} {read / copy,10:F2}");
        }
        return 0;
    }
}
