using KernelVision.Graph;
using Xunit;
using static KernelVision.Gpu.Tests.GpuCheck;

namespace KernelVision.Gpu.Tests.Kernels.Neural;

/// <summary>ConvGpu on the simulated GPU against Reference, with ragged shapes: implicit GEMM and the depthwise kernel.</summary>
public class ConvGpuTests
{
    [Theory]
    // N, C, H, W, M, k, stride, pad, dilation, group — sizes deliberately not multiples of the 16/64 tiles.
    [InlineData(1, 3, 7, 9, 5, 3, 1, 1, 1, 1)]
    [InlineData(2, 4, 9, 6, 6, 3, 2, 1, 1, 2)]
    [InlineData(1, 5, 11, 10, 7, 3, 1, 2, 2, 1)]
    [InlineData(1, 6, 5, 5, 9, 1, 1, 0, 1, 3)]
    [InlineData(1, 3, 10, 10, 17, 5, 2, 2, 1, 1)]
    public void Conv2D(int n, int c, int h, int w, int m, int k, int s, int p, int d, int g)
    {
        Same("Conv", [Random(1, n, c, h, w), Random(2, m, c / g, k, k), Random(3, m)],
            [Attr.Ints("strides", s, s), Attr.Ints("pads", p, p, p, p), Attr.Ints("dilations", d, d), Attr.Int("group", g)]);
    }

    [Fact]
    public void Conv1DAnd3DWithoutBias()
    {
        Same("Conv", [Random(4, 2, 3, 13), Random(5, 4, 3, 3)], [Attr.Ints("strides", 2), Attr.Ints("pads", 1, 0)]);
        Same("Conv", [Random(6, 1, 2, 4, 5, 3), Random(7, 3, 2, 2, 3, 2)], [Attr.Ints("pads", 1, 0, 1, 0, 1, 0)]);
    }

    [Fact]
    public void ConvAutoPadAsymmetric() =>
        Same("Conv", [Random(8, 1, 2, 6, 7), Random(9, 3, 2, 3, 2)], [Attr.String("auto_pad", "SAME_UPPER"), Attr.Ints("strides", 2, 2)]);

    [Theory]
    [InlineData(5, 1, 3, 1, 1, 1)]   // depthwise 3×3
    [InlineData(3, 2, 3, 2, 1, 1)]   // channel multiplier 2, stride 2
    [InlineData(4, 1, 5, 1, 2, 2)]   // 5×5 dilated
    [InlineData(3, 1, 9, 1, 4, 1)]   // 9×9 (81 taps: falls back to the GEMM path)
    public void Depthwise(int c, int mult, int k, int s, int p, int d)
    {
        Same("Conv", [Random(10, 2, c, 11, 9), Random(11, c * mult, 1, k, k), Random(12, c * mult)],
            [Attr.Int("group", c), Attr.Ints("strides", s, s), Attr.Ints("pads", p, p, p, p), Attr.Ints("dilations", d, d)]);
    }
}
