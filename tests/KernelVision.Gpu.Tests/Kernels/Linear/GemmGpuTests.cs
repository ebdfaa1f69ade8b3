using KernelVision.Graph;
using Xunit;
using static KernelVision.Gpu.Tests.GpuCheck;

namespace KernelVision.Gpu.Tests.Kernels.Linear;

/// <summary>GemmGpu on the simulated GPU against Reference: transposes, α, β·C broadcast, no C.</summary>
public class GemmGpuTests
{
    [Theory]
    [InlineData(5, 7, 3, false, false)]
    [InlineData(17, 9, 20, true, false)]
    [InlineData(3, 33, 18, false, true)]
    [InlineData(2, 4, 5, true, true)]
    public void Gemm(int m, int k, int n, bool ta, bool tb)
    {
        var a = ta ? Random(40, k, m) : Random(40, m, k);
        var b = tb ? Random(41, n, k) : Random(41, k, n);
        Same("Gemm", [a, b, Random(42, n)], [Attr.Int("transA", ta ? 1 : 0), Attr.Int("transB", tb ? 1 : 0), Attr.Float("alpha", 0.5f), Attr.Float("beta", 2f)]);
        Same("Gemm", [a, b, Random(43, m, 1)], [Attr.Int("transA", ta ? 1 : 0), Attr.Int("transB", tb ? 1 : 0)]);
        Same("Gemm", [a, b], [Attr.Int("transA", ta ? 1 : 0), Attr.Int("transB", tb ? 1 : 0)]);
    }
}
