using Xunit;
using static KernelVision.Gpu.Tests.GpuCheck;

namespace KernelVision.Gpu.Tests.Kernels.Elementwise;

/// <summary>BinaryGpu (Add, Sub, Mul, Div, Pow) with numpy broadcasting on the simulated GPU against Reference.</summary>
public class BinaryGpuTests
{
    [Fact]
    public void ArithmeticBroadcasts()
    {
        var a = Random(54, 2, 3, 4, 5);
        foreach (var op in new[] { "Add", "Sub", "Mul", "Div" })
        {
            Same(op, [a, Random(55, 3, 1, 5)]);
            Same(op, [Random(56, 1, 5), a]);
        }
    }

    [Fact]
    public void Pow() => Same("Pow", [Positive(57, 3, 4), Random(58, 4)]);
}
