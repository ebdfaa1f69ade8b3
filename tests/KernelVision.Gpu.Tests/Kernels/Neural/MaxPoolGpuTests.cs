using KernelVision.Graph;
using KernelVision.Tensors;
using Xunit;
using static KernelVision.Gpu.Tests.GpuCheck;

namespace KernelVision.Gpu.Tests.Kernels.Neural;

/// <summary>MaxPoolGpu on the simulated GPU against Reference; the Indices output runs on the host.</summary>
public class MaxPoolGpuTests
{
    [Fact]
    public void PadsAndStrides() =>
        Same("MaxPool", [Random(20, 2, 3, 9, 10)], [Attr.Ints("kernel_shape", 3, 3), Attr.Ints("strides", 2, 2), Attr.Ints("pads", 1, 1, 1, 1)]);

    [Fact]
    public void DilationsAndCeilMode() =>
        Same("MaxPool", [Random(20, 2, 3, 9, 10)], [Attr.Ints("kernel_shape", 2, 3), Attr.Ints("dilations", 2, 1), Attr.Int("ceil_mode", 1), Attr.Ints("strides", 2, 2)]);

    [Fact]
    public void MaxPoolIndicesRunOnHost()
    {
        var r = Same("MaxPool", [Random(32, 1, 2, 5, 5)], [Attr.Ints("kernel_shape", 2, 2)], outputs: 2);
        Assert.Equal(DataType.Int64, r[1]!.Type);
    }
}
