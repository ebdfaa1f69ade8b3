using KernelVision.Cpu.Diagnostics;
using Xunit;

namespace KernelVision.Cpu.Tests.Diagnostics;

/// <summary>
/// The roofline's memory roof. Timed by a coordinator thread it read 34.9, 74565, 122016 and 74.5
/// GB/s on repeats; timed by the workers themselves (median pass) it must stay in the sane range
/// on every repeat, with more threads than cores (the case that broke it) included.
/// </summary>
public class MachinePeakTests
{
    [Fact]
    public void BandwidthIsPlausibleOnEveryRepeat()
    {
        var (min, max) = MachinePeak.SaneBandwidth;
        foreach (int threads in new[] { 1, Environment.ProcessorCount, Environment.ProcessorCount * 2 })
            for (int repeat = 0; repeat < 3; repeat++)
            {
                double read = MachinePeak.MeasureBandwidth(threads, 32 << 20, passes: 3);
                double copy = MachinePeak.MeasureCopyBandwidth(threads, 32 << 20, passes: 3);
                Assert.InRange(read, min, max);
                Assert.InRange(copy, min, max);
            }
    }

    [Fact]
    public void BadArgumentsAreInputErrors()
    {
        Assert.Throws<InputException>(() => MachinePeak.MeasureBandwidth(0, 1 << 20, 1));
        Assert.Throws<InputException>(() => MachinePeak.MeasureCopyBandwidth(1, 1 << 20, 0));
    }
}
