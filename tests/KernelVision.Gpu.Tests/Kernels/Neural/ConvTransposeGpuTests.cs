using KernelVision.Graph;
using Xunit;
using static KernelVision.Gpu.Tests.GpuCheck;

namespace KernelVision.Gpu.Tests.Kernels.Neural;

/// <summary>ConvTransposeGpu (stride phases) on the simulated GPU against Reference, with ragged shapes.</summary>
public class ConvTransposeGpuTests
{
    [Theory]
    // C, H, W, M, k, stride, pad, output_padding, dilation, group
    [InlineData(3, 4, 5, 2, 4, 2, 1, 0, 1, 1)]
    [InlineData(4, 3, 3, 3, 3, 2, 1, 1, 1, 2)]
    [InlineData(2, 5, 4, 5, 3, 1, 0, 0, 2, 1)]
    [InlineData(3, 2, 3, 4, 3, 3, 0, 2, 1, 1)]
    public void ConvTranspose2D(int c, int h, int w, int m, int k, int s, int p, int op, int d, int g)
    {
        Same("ConvTranspose", [Random(13, 2, c, h, w), Random(14, c, m, k, k), Random(15, m * g)],
            [Attr.Ints("strides", s, s), Attr.Ints("pads", p, p, p, p), Attr.Ints("output_padding", op, op), Attr.Ints("dilations", d, d), Attr.Int("group", g)]);
    }

    [Fact]
    public void ConvTransposeOutputShapeAnd1D()
    {
        Same("ConvTranspose", [Random(16, 1, 2, 3, 3), Random(17, 2, 3, 3, 3)], [Attr.Ints("strides", 2, 2), Attr.Ints("output_shape", 7, 8)]);
        Same("ConvTranspose", [Random(18, 1, 3, 5), Random(19, 3, 2, 4)], [Attr.Ints("strides", 3), Attr.Ints("pads", 1, 2)]);
    }
}
