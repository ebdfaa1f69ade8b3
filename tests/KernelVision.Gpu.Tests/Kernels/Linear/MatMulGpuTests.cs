using Xunit;
using static KernelVision.Gpu.Tests.GpuCheck;

namespace KernelVision.Gpu.Tests.Kernels.Linear;

/// <summary>MatMulGpu on the simulated GPU against Reference: batch broadcasting and vector operands.</summary>
public class MatMulGpuTests
{
    [Fact]
    public void MatMulBroadcastAndVectors()
    {
        Same("MatMul", [Random(44, 2, 1, 3, 5), Random(45, 3, 5, 4)]);
        Same("MatMul", [Random(46, 7), Random(47, 7, 3)]);
        Same("MatMul", [Random(48, 2, 3, 7), Random(49, 7)]);
        Same("MatMul", [Random(50, 19, 18), Random(51, 18, 21)]);
    }
}
