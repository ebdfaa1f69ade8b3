using KernelVision.Graph;
using KernelVision.Tensors;
using Xunit;
using static KernelVision.Gpu.Tests.GpuCheck;

namespace KernelVision.Gpu.Tests;

/// <summary>Conv, ConvTranspose, pools and norms on the simulated GPU against Reference, with ragged shapes.</summary>
public class NeuralKernelTests
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

    [Fact]
    public void Pools()
    {
        var x = Random(20, 2, 3, 9, 10);
        Same("MaxPool", [x], [Attr.Ints("kernel_shape", 3, 3), Attr.Ints("strides", 2, 2), Attr.Ints("pads", 1, 1, 1, 1)]);
        Same("MaxPool", [x], [Attr.Ints("kernel_shape", 2, 3), Attr.Ints("dilations", 2, 1), Attr.Int("ceil_mode", 1), Attr.Ints("strides", 2, 2)]);
        Same("AveragePool", [x], [Attr.Ints("kernel_shape", 3, 3), Attr.Ints("strides", 2, 2), Attr.Ints("pads", 1, 1, 1, 1), Attr.Int("count_include_pad", 1), Attr.Int("ceil_mode", 1)]);
        Same("AveragePool", [x], [Attr.Ints("kernel_shape", 3, 2), Attr.Ints("pads", 1, 0, 1, 1)]);
        Same("AveragePool", [Random(21, 1, 2, 11)], [Attr.Ints("kernel_shape", 4), Attr.Ints("strides", 3)]);
        Same("GlobalAveragePool", [Random(22, 2, 5, 7, 9)]);
        Same("GlobalMaxPool", [Random(23, 1, 3, 6, 5)]);
    }

    [Fact]
    public void Norms()
    {
        var x = Random(24, 2, 3, 5, 7);
        Same("BatchNormalization", [x, Random(25, 3), Random(26, 3), Random(27, 3), Positive(28, 3)], [Attr.Float("epsilon", 1e-3f)]);
        Same("InstanceNormalization", [x, Random(29, 3), Random(30, 3)], [Attr.Float("epsilon", 1e-5f)]);
        Same("LRN", [Random(31, 1, 7, 3, 4)], [Attr.Int("size", 3), Attr.Float("alpha", 0.01f), Attr.Float("beta", 0.75f), Attr.Float("bias", 2f)]);
    }

    [Fact]
    public void MaxPoolIndicesRunOnHost()
    {
        var r = Same("MaxPool", [Random(32, 1, 2, 5, 5)], [Attr.Ints("kernel_shape", 2, 2)], outputs: 2);
        Assert.Equal(DataType.Int64, r[1]!.Type);
    }
}
