using Xunit;
using static KernelVision.Gpu.Tests.GpuCheck;

namespace KernelVision.Gpu.Tests.Kernels.Elementwise;

/// <summary>UnaryGpu (Relu, Sigmoid, Tanh, HardSwish, Erf, Exp, Sqrt) on the simulated GPU against Reference.</summary>
public class UnaryGpuTests
{
    [Fact]
    public void Functions()
    {
        var x = Random(52, 3, 7, 5);
        foreach (var op in new[] { "Relu", "Sigmoid", "Tanh", "HardSwish", "Erf", "Exp" }) Same(op, [x]);
        Same("Sqrt", [Positive(53, 4, 9)]);
    }
}
