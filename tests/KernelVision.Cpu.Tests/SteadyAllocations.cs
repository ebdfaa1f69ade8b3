namespace KernelVision.Cpu.Tests;

/// <summary>
/// Managed bytes the calling thread allocates in a steady state. Why the minimum over rounds: a
/// test running concurrently can flip a global kernel switch, and the first call into a code path
/// (a generic microkernel's first JIT, a lock's first contention) allocates once; an allocation
/// per call shows in every round, a one-time one in one round at most.
/// </summary>
internal static class SteadyAllocations
{
    /// <summary>The fewest bytes <paramref name="action"/> allocated on this thread in any of <paramref name="rounds"/> rounds.</summary>
    public static long Measure(Action action, int rounds = 3)
    {
        long fewest = long.MaxValue;
        for (int r = 0; r < rounds && fewest != 0; r++)
        {
            long before = GC.GetAllocatedBytesForCurrentThread();
            action();
            fewest = Math.Min(fewest, GC.GetAllocatedBytesForCurrentThread() - before);
        }
        return fewest;
    }
}
