using System.Runtime.Intrinsics;
using KernelVision.Cpu.Diagnostics;

namespace KernelVision.Benchmarks;

/// <summary>
/// Prints the FP32 peak that every GEMM number is compared with ("% of peak"), measured by
/// <see cref="MachinePeak"/> (the same register-only FMA loop <c>kv profile</c> calibrates with):
/// one thread by wall time and by CPU time received, and all threads.
/// </summary>
public static class PeakCommand
{
    public static void Run(Options o)
    {
        int threads = o.Int("--threads", Environment.ProcessorCount);
        Console.WriteLine(MachineInfo.Describe());
        double one = MachinePeak.MeasureGflops(1, TimeSpan.FromSeconds(1));
        Console.WriteLine($"FP32 FMA peak, 1 thread:  {one,8:F1} GFLOP/s  ({Width() * 2} flops per FMA instruction)");
        Console.WriteLine($"FP32 FMA peak, 1 thread, per CPU-second: {MachinePeak.MeasureCpuTimeGflops(TimeSpan.FromSeconds(1)),8:F1} GFLOP/s");
        if (threads > 1)
        {
            double all = MachinePeak.MeasureGflops(threads, TimeSpan.FromSeconds(1));
            Console.WriteLine($"FP32 FMA peak, {threads} threads: {all,8:F1} GFLOP/s  ({all / one:F2}× one thread)");
        }
    }

    private static int Width() => Vector512.IsHardwareAccelerated ? 16 : Vector256.IsHardwareAccelerated ? 8 : 4;
}
