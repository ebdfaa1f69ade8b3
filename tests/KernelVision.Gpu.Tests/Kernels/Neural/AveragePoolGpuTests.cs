using KernelVision.Graph;
using Xunit;
using static KernelVision.Gpu.Tests.GpuCheck;

namespace KernelVision.Gpu.Tests.Kernels.Neural;

/// <summary>AveragePoolGpu on the simulated GPU against Reference: count_include_pad, ceil_mode, asymmetric pads, 1-D.</summary>
public class AveragePoolGpuTests
{
    [Fact]
    public void CountIncludePadAndCeilMode() =>
        Same("AveragePool", [Random(20, 2, 3, 9, 10)], [Attr.Ints("kernel_shape", 3, 3), Attr.Ints("strides", 2, 2), Attr.Ints("pads", 1, 1, 1, 1), Attr.Int("count_include_pad", 1), Attr.Int("ceil_mode", 1)]);

    [Fact]
    public void AsymmetricPads() => Same("AveragePool", [Random(20, 2, 3, 9, 10)], [Attr.Ints("kernel_shape", 3, 2), Attr.Ints("pads", 1, 0, 1, 1)]);

    [Fact]
    public void OneDimensional() => Same("AveragePool", [Random(21, 1, 2, 11)], [Attr.Ints("kernel_shape", 4), Attr.Ints("strides", 3)]);
}
