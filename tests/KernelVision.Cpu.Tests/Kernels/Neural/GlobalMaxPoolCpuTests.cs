using KernelVision.Tensors;
using Xunit;
using static KernelVision.Cpu.Tests.CpuVsReference;

namespace KernelVision.Cpu.Tests.Kernels.Neural;

public class GlobalMaxPoolCpuTests
{
    [Fact]
    public void GlobalMaxPoolMatchesReference()
    {
        var rng = new Random(8);
        foreach (var shape in new[] { new[] { 2, 3, 5, 7 }, [1, 1280, 7, 7], [2, 3, 4], [1, 2, 3, 4, 5], [1, 4, 56, 56], [1, 3, 1, 1] })
            Check("GlobalMaxPool", [Random(rng, shape)], exact: true);
        var withNaN = Tensor.FromFloats([1, 2, 3], [1, float.NaN, 2, float.NegativeInfinity, -5, 4]);
        Check("GlobalMaxPool", [withNaN], exact: true);
    }

    [Fact]
    public void Float64RunsOnTheReferenceKernel()
    {
        var d = Tensor.Zeros(DataType.Float64, [1, 1, 4, 4]);
        for (int i = 0; i < 16; i++) d.Doubles[i] = i * 0.25 - 1;
        Check("GlobalMaxPool", [d], exact: true);
    }
}
