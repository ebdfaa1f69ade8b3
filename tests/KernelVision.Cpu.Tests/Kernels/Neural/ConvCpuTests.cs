using KernelVision.Backends;
using KernelVision.Backends.Reference;
using KernelVision.Conformance;
using KernelVision.Cpu.Kernels.Neural;
using KernelVision.Execution;
using KernelVision.Graph;
using KernelVision.Ops;
using KernelVision.Ops.Neural;
using KernelVision.Tensors;
using Xunit;

namespace KernelVision.Cpu.Tests.Kernels.Neural;

public class ConvCpuTests
{
    private static Graph.Attribute Pads(params long[] p) => Attr.Ints("pads", p);
    private static Graph.Attribute Strides(params long[] s) => Attr.Ints("strides", s);
    private static Graph.Attribute Dilations(params long[] d) => Attr.Ints("dilations", d);
    private static Graph.Attribute Group(int g) => Attr.Int("group", g);

    private static string Check(int[] x, int[] w, bool bias, params Graph.Attribute[] attrs) =>
        ConvCheck.Check("Conv", x, w, bias ? w[0] : 0, attrs)!.Variant;

    [Fact]
    public void PointwiseIsADirectGemm()
    {
        Assert.StartsWith("Pointwise", Check([1, 5, 7, 9], [7, 5, 1, 1], true));
        Assert.StartsWith("Pointwise", Check([3, 17, 5, 3], [33, 17, 1, 1], false));
        Assert.StartsWith("Pointwise", Check([2, 6, 9, 11], [9, 2, 1, 1], true, Group(3)));
        // Large enough to split over threads and to need several K blocks (K = 300 > KC).
        Assert.StartsWith("Pointwise", Check([1, 300, 13, 17], [40, 300, 1, 1], true));
        // A single pixel: matrix-vector products.
        Assert.StartsWith("PointwiseDot", Check([3, 70, 1, 1], [130, 70, 1, 1], true));
        Assert.StartsWith("PointwiseDot", Check([2, 12, 1, 1], [9, 4, 1, 1], true, Group(3)));
    }

    [Fact]
    public void PointwiseWithStrideOrPaddingGoesThroughIm2Col()
    {
        Assert.StartsWith("Im2Col", Check([1, 5, 9, 7], [6, 5, 1, 1], true, Strides(2, 2)));
        Assert.StartsWith("Im2Col", Check([1, 5, 4, 5], [6, 5, 1, 1], true, Pads(1, 0, 0, 2)));
    }

    [Fact]
    public void General2DConvMatchesReference()
    {
        Assert.StartsWith("Im2Col", Check([2, 3, 11, 13], [5, 3, 3, 3], true, Pads(1, 1, 1, 1)));
        Check([1, 7, 10, 9], [9, 7, 3, 3], false);
        Check([1, 4, 17, 19], [6, 4, 3, 3], true, Strides(2, 2), Pads(1, 0, 2, 1));
        Check([1, 3, 12, 14], [4, 3, 3, 3], true, Dilations(2, 2), Pads(2, 2, 2, 2));
        Check([1, 3, 12, 14], [4, 3, 3, 2], true, Dilations(2, 3), Strides(3, 2), Pads(0, 1, 2, 0));
        Check([2, 5, 9, 8], [3, 5, 5, 5], true, Pads(2, 1, 0, 3));
        Check([1, 3, 5, 4], [2, 3, 7, 6], true, Pads(3, 2, 3, 2)); // kernel larger than the input
        Check([1, 2, 1, 1], [3, 2, 3, 3], true, Pads(1, 1, 1, 1));
        Check([1, 3, 13, 11], [4, 3, 3, 3], true, Attr.String("auto_pad", "SAME_UPPER"), Strides(2, 2));
        Check([1, 3, 13, 11], [4, 3, 2, 2], true, Attr.String("auto_pad", "SAME_LOWER"));
        Check([1, 3, 1, 40], [4, 3, 1, 5], true, Pads(0, 2, 0, 2));
        // K = 40·9 = 360 > KC, N = 23·19 splits over threads and panels.
        Check([1, 40, 23, 19], [20, 40, 3, 3], true, Pads(1, 1, 1, 1));
        // Output width 1 and 2: runs of one pixel per panel row.
        Check([1, 4, 9, 3], [5, 4, 3, 3], true, Strides(1, 2));
    }

    /// <summary>
    /// Output widths whose rows end a 32-wide B panel off an 8-float boundary, so the im2col packing
    /// copies a run's last vector overlapping the one before (13: runs of 13, 13 and 6 per panel),
    /// or masked under one vector; stride 1 and 2 (SqueezeNet's 13, 27 and 111), with and without
    /// padding, two images. Winograd is off so the im2col path packs them.
    /// </summary>
    [Theory]
    [InlineData(9, 1)]
    [InlineData(13, 1)]
    [InlineData(20, 1)]
    [InlineData(27, 1)]
    [InlineData(13, 2)]
    [InlineData(27, 2)]
    [InlineData(45, 2)]
    [InlineData(111, 2)]
    public void Im2ColRunsEndingAPanelMatchReference(int ow, int stride)
    {
        int w = (ow - 1) * stride + 3;
        Assert.StartsWith("Im2Col", Winograd([2, 3, 5, w], [7, 3, 3, 3], false, Strides(stride, stride)));
        Assert.StartsWith("Im2Col", Winograd([2, 4, 6, w - 2], [9, 4, 3, 3], false, Strides(stride, stride), Pads(1, 1, 1, 1)));
    }

    private static string Winograd(int[] x, int[] w, bool? force, params Graph.Attribute[] attrs) =>
        ConvCheck.Check("Conv", x, w, w[0], attrs, winograd: force)!.Variant;

    private static string Winograd4(int[] x, int[] w, params Graph.Attribute[] attrs) =>
        ConvCheck.Check("Conv", x, w, w[0], attrs, winograd: true, winogradTile: 4)!.Variant;

    private static string Winograd2(int[] x, int[] w, params Graph.Attribute[] attrs) =>
        ConvCheck.Check("Conv", x, w, w[0], attrs, winograd: true, winogradTile: 2)!.Variant;

    [Fact]
    public void WinogradMatchesReference()
    {
        // Chosen automatically where it pays: enough channels and tiles; F(4x4) from 16 tiles of 4x4, else F(2x2).
        Assert.StartsWith("WinogradF4", Winograd([1, 32, 20, 20], [32, 32, 3, 3], null, Pads(1, 1, 1, 1)));
        Assert.StartsWith("WinogradF2", Winograd([1, 64, 7, 7], [64, 64, 3, 3], null, Pads(1, 1, 1, 1))); // 16 tiles of 2x2, 4 of 4x4
        Assert.StartsWith("Im2Col", Winograd([1, 32, 20, 20], [32, 32, 3, 3], false, Pads(1, 1, 1, 1)));
        Assert.StartsWith("Im2Col", Winograd([1, 8, 20, 20], [16, 8, 3, 3], null, Pads(1, 1, 1, 1))); // few channels
        Assert.StartsWith("Im2Col", Winograd([1, 64, 5, 5], [64, 64, 3, 3], null, Pads(1, 1, 1, 1))); // 9 tiles
        var shape = Conv.ConvShape.Create(ConvCheck.Build("Conv", [Pads(1, 1, 1, 1)], false, default) is Ops.Neural.Conv c ? c.Resolve([1, 16, 20, 20], [16, 16, 3, 3]) : null!, 1, 16, 16, 1);
        Assert.Equal(4, Conv.WinogradConv.ChooseTile(shape));
        Assert.Equal(0, Conv.WinogradConv.ChooseTile(shape, largeTiles: false)); // F(2x2) wants 32 channels
        // F(2x2) forced on ragged shapes.
        Winograd2([2, 3, 13, 11], [5, 3, 3, 3], Pads(1, 0, 2, 1));
        Winograd2([1, 4, 5, 6], [3, 4, 3, 3]);
        Winograd2([1, 3, 9, 50], [4, 3, 3, 3], Pads(1, 1, 1, 1));
        Winograd2([3, 6, 10, 37], [6, 2, 3, 3], Group(3), Pads(2, 0, 0, 2));
        Winograd2([1, 2, 3, 3], [3, 2, 3, 3]);
        Winograd2([1, 128, 7, 7], [96, 128, 3, 3], Pads(1, 1, 1, 1));
        // F(4x4) forced on ragged shapes: partial tiles, tile rows that are not a multiple of 8 tiles, asymmetric pads, no pads.
        Assert.StartsWith("WinogradF4", Winograd4([2, 3, 13, 11], [5, 3, 3, 3], Pads(1, 0, 2, 1)));
        Winograd4([1, 4, 5, 6], [3, 4, 3, 3]);
        Winograd4([1, 3, 9, 50], [4, 3, 3, 3], Pads(1, 1, 1, 1));
        Winograd4([1, 2, 3, 3], [3, 2, 3, 3]);
        Winograd4([3, 6, 10, 37], [6, 2, 3, 3], Group(3), Pads(2, 0, 0, 2));
        Winograd4([1, 3, 70, 9], [2, 3, 3, 3], Attr.String("auto_pad", "SAME_UPPER"));
        Assert.StartsWith("WinogradF2", Winograd([1, 3, 70, 9], [2, 3, 3, 3], true, Attr.String("auto_pad", "SAME_UPPER"))); // forced, tile chosen: F(2x2)
        // ResNet-sized layers: the rounding of either tile stays inside the per-layer tolerance.
        Assert.StartsWith("WinogradF4", Winograd([1, 64, 28, 28], [64, 64, 3, 3], null, Pads(1, 1, 1, 1)));
        Assert.StartsWith("WinogradF2", Winograd2([1, 64, 28, 28], [64, 64, 3, 3], Pads(1, 1, 1, 1)));
        Assert.StartsWith("WinogradF4", Winograd([2, 128, 14, 14], [96, 128, 3, 3], null, Pads(1, 1, 1, 1)));
        Assert.StartsWith("WinogradF4", Winograd4([1, 256, 14, 14], [256, 256, 3, 3], Pads(1, 1, 1, 1)));
        foreach (var act in ConvCheck.Activations)
        {
            ConvCheck.Check("Conv", [1, 5, 10, 13], [6, 5, 3, 3], 6, [Pads(1, 1, 1, 1)], act, winograd: true, winogradTile: 4);
            ConvCheck.Check("Conv", [1, 5, 10, 13], [6, 5, 3, 3], 6, [Pads(1, 1, 1, 1)], act, winograd: true, winogradTile: 2);
        }
    }

    [Fact]
    public void SmallOutputPlanesComputeTheTransposedProduct()
    {
        // 2×2 and 2×3 outputs: one column panel of 16 would be 4–6 pixels, a few row panels of 6 are full.
        Assert.StartsWith("Im2ColT", Check([1, 40, 2, 4], [64, 40, 3, 3], true, Pads(1, 1, 1, 1), Strides(1, 1), Dilations(1, 2)));
        Assert.StartsWith("Im2ColT", Check([2, 64, 4, 2], [128, 32, 3, 3], true, Group(2), Pads(1, 1, 1, 1), Dilations(2, 1)));
        Assert.StartsWith("Im2ColT", Check([1, 300, 2, 3], [64, 300, 3, 2], false, Pads(1, 1, 1, 0))); // K > KC
        // 70 channels: a ragged last column panel of Yᵀ (2×2 outputs, so that AVX2's 16-wide panels take the transposed form too).
        Assert.StartsWith("Im2ColT", Check([1, 24, 2, 2], [70, 24, 3, 3], true, Pads(1, 1, 1, 1)));
        Assert.StartsWith("PointwiseT", Check([1, 512, 2, 2], [96, 512, 1, 1], true));
        // Large enough (over 3 MFLOP) for the threads to split Yᵀ into regions, each computed and
        // transposed back by its own task: ragged regions of pixels and of channels.
        // 2×2 outputs, so the transposed form wins with 16- (AVX2) and 32-wide (AVX-512) panels alike.
        Assert.StartsWith("PointwiseT", Check([1, 2048, 2, 2], [250, 2048, 1, 1], true));
        Assert.StartsWith("Im2ColT", Check([1, 256, 2, 2], [170, 256, 3, 3], true, Pads(1, 1, 1, 1)));
        Assert.StartsWith("Im2ColNdT", Check([1, 12, 3, 2, 2], [64, 12, 3, 3, 3], true, Pads(0, 1, 1, 0, 1, 1)));
        // 7×7 planes: the transposed tiles would save 12–15 %, less than their column-bias epilogue costs.
        Assert.StartsWith("Pointwise ", Check([1, 320, 7, 7], [128, 320, 1, 1], true));
        // A short K over a large plane: the transpose pass would cost more than the tiles save.
        Assert.StartsWith("Pointwise ", Check([1, 32, 40, 40], [16, 32, 1, 1], true));
        Assert.StartsWith("Im2Col ", Check([1, 16, 30, 30], [64, 16, 5, 5], true, Pads(2, 2, 2, 2)));
    }

    private static string InPlace(int[] x, int[] w, bool bias, FusedActivation act, params Graph.Attribute[] attrs) =>
        ConvCheck.Check("Conv", x, w, bias ? w[0] : 0, attrs, act, inPlace: true)!.Variant;

    /// <summary>
    /// Im2ColInPlace split into <paramref name="parts"/> bands of rows (or ranges of output channels)
    /// on 2 threads; returns the parts the 2-thread run used and whether they split the channels.
    /// </summary>
    private static (int Parts, bool Channels) Parts(int[] x, int[] w, int parts, bool? channels, FusedActivation act, params Graph.Attribute[] attrs)
    {
        var result = ConvCheck.Check("Conv", x, w, w[0], attrs, act, inPlace: true, bands: parts, splitChannels: channels)!;
        Assert.StartsWith("Im2ColInPlace", result.Variant);
        var conv = (ConvCpu)result.Kernel;
        return (conv.LastBands, conv.LastSplitChannels);
    }

    private static int Banded(int[] x, int[] w, int bands, FusedActivation act, params Graph.Attribute[] attrs)
    {
        var (parts, channels) = Parts(x, w, bands, false, act, attrs);
        Assert.False(channels);
        return parts;
    }

    private static int ChannelParts(int[] x, int[] w, int parts, params Graph.Attribute[] attrs)
    {
        var (n, channels) = Parts(x, w, parts, true, default, attrs);
        Assert.True(channels);
        return n;
    }

    [Fact]
    public void InPlaceBandsMatchReference()
    {
        // Each band pads its own rows and the (KH − 1)·DH halo below them into its own scratch,
        // multiplies its part of the grid and compacts it into Y: odd heights, bands of one row,
        // more bands than rows, uneven and one-sided pads, no pad, dilation, K > KC.
        Assert.Equal(2, Banded([1, 5, 13, 11], [6, 5, 3, 3], 2, default, Pads(1, 1, 1, 1)));
        Assert.Equal(3, Banded([1, 5, 13, 11], [6, 5, 3, 3], 3, default, Pads(1, 1, 1, 1)));
        Assert.Equal(13, Banded([1, 5, 13, 11], [6, 5, 3, 3], 13, default, Pads(1, 1, 1, 1)));
        Assert.Equal(13, Banded([1, 5, 13, 11], [6, 5, 3, 3], 20, default, Pads(1, 1, 1, 1)));
        Assert.Equal(3, Banded([1, 4, 16, 21], [9, 4, 5, 5], 3, default, Pads(2, 1, 0, 3)));
        Assert.Equal(14, Banded([1, 4, 16, 21], [9, 4, 5, 5], 14, default, Pads(2, 1, 0, 3)));
        Assert.Equal(3, Banded([1, 3, 12, 17], [7, 3, 3, 3], 3, default));
        Assert.Equal(4, Banded([1, 3, 14, 20], [4, 3, 3, 3], 4, default, Dilations(2, 2), Pads(2, 2, 2, 2)));
        Assert.Equal(5, Banded([1, 3, 15, 20], [4, 3, 3, 3], 5, default, Dilations(3, 1), Pads(3, 1, 0, 2)));
        Assert.Equal(11, Banded([1, 64, 11, 9], [10, 64, 3, 3], 11, default, Pads(1, 1, 1, 1)));
        Assert.Equal(2, Banded([1, 64, 11, 9], [10, 64, 3, 3], 2, default, Pads(1, 1, 1, 1)));
        // Several images or groups too large to run one per thread: (task, band) items.
        Assert.Equal(2, Banded([3, 16, 24, 24], [32, 16, 3, 3], 2, default, Pads(1, 1, 1, 1)));
        Assert.Equal(3, Banded([5, 16, 24, 24], [32, 16, 3, 3], 3, default, Pads(0, 1, 2, 1)));
        Assert.Equal(3, Banded([1, 48, 30, 30], [96, 16, 3, 3], 3, default, Group(3), Pads(1, 1, 1, 1)));
        foreach (var act in ConvCheck.Activations)
            Assert.Equal(2, Banded([1, 8, 9, 11], [10, 8, 3, 3], 2, act, Pads(1, 1, 1, 1)));
    }

    [Fact]
    public void InPlaceChannelPartsMatchReference()
    {
        // Each part pads the whole image into its own scratch and computes whole row panels of the
        // output channels: a ragged last panel, more parts than panels, groups and batches, K > KC.
        Assert.Equal(2, ChannelParts([1, 5, 13, 11], [13, 5, 3, 3], 2, Pads(1, 1, 1, 1)));
        Assert.Equal(3, ChannelParts([1, 5, 13, 11], [13, 5, 3, 3], 7, Pads(1, 1, 1, 1)));
        Assert.Equal(3, ChannelParts([1, 3, 14, 20], [17, 3, 3, 3], 3, Dilations(2, 2), Pads(2, 2, 0, 1)));
        Assert.Equal(2, ChannelParts([1, 64, 11, 9], [40, 64, 3, 3], 2, Pads(1, 1, 1, 1)));
        Assert.Equal(2, ChannelParts([3, 16, 24, 24], [32, 16, 3, 3], 2, Pads(1, 1, 1, 1)));
        Assert.Equal(4, ChannelParts([1, 48, 30, 30], [96, 16, 3, 3], 4, Group(3), Pads(1, 1, 1, 1)));
    }

    [Fact]
    public void InPlacePartsFollowTheCostModel()
    {
        // A GEMM worth splitting gets one part per thread, a small one none; bands on a large plane
        // with few output channels, channel ranges on a small plane with many (W's traffic).
        Assert.Equal((2, false), Parts([1, 64, 28, 28], [64, 64, 3, 3], 0, null, default, Pads(1, 1, 1, 1)));
        Assert.Equal((1, false), Parts([1, 4, 8, 8], [4, 4, 3, 3], 0, null, default, Pads(1, 1, 1, 1)));
        Assert.Equal((2, true), Parts([1, 256, 7, 7], [256, 256, 3, 3], 0, null, default, Pads(1, 1, 1, 1)));
    }

    [Fact]
    public void InPlaceIm2ColMatchesReference()
    {
        // The microkernels read the padded image through a row table over a padded-width grid,
        // which is then compacted: kernels, paddings, dilations, groups, batches, K > KC, widths
        // whose grid rows are not whole panels, and every fused activation.
        Assert.StartsWith("Im2ColInPlace", InPlace([1, 5, 10, 13], [6, 5, 3, 3], true, default, Pads(1, 1, 1, 1)));
        Assert.StartsWith("Im2ColInPlace", InPlace([2, 3, 12, 17], [7, 3, 3, 3], false, default));
        // Eight images: one GEMM per image on each thread at once (each with its own grid).
        Assert.StartsWith("Im2ColInPlace", InPlace([8, 8, 48, 48], [32, 8, 3, 3], true, default, Pads(1, 1, 1, 1)));
        Assert.StartsWith("Im2ColInPlace", InPlace([1, 40, 23, 19], [20, 40, 3, 3], true, default, Pads(1, 1, 1, 1)));
        Assert.StartsWith("Im2ColInPlace", InPlace([1, 4, 16, 21], [9, 4, 5, 5], true, default, Pads(2, 1, 0, 3)));
        Assert.StartsWith("Im2ColInPlace", InPlace([1, 3, 14, 20], [4, 3, 3, 3], true, default, Dilations(2, 2), Pads(2, 2, 2, 2)));
        Assert.StartsWith("Im2ColInPlace", InPlace([2, 6, 9, 14], [9, 2, 3, 3], true, default, Group(3), Pads(1, 1, 1, 1)));
        Assert.StartsWith("Im2ColInPlace", InPlace([1, 3, 1, 40], [4, 3, 1, 5], true, default, Pads(0, 2, 0, 2)));
        Assert.StartsWith("Im2ColInPlace", InPlace([1, 64, 7, 7], [70, 64, 3, 3], true, default, Pads(1, 1, 1, 1)));
        foreach (var act in ConvCheck.Activations)
            Assert.StartsWith("Im2ColInPlace", InPlace([1, 8, 9, 11], [10, 8, 3, 3], true, act, Pads(1, 1, 1, 1)));
        // 1×1 convs read X's channel rows in place: more output channels than the rules' direct-B
        // limit (48), ragged widths, groups, batches, K > KC.
        Assert.StartsWith("PointwiseInPlace", InPlace([1, 5, 7, 9], [7, 5, 1, 1], true, default));
        Assert.StartsWith("PointwiseInPlace", InPlace([3, 17, 5, 3], [130, 17, 1, 1], false, default));
        Assert.StartsWith("PointwiseInPlace", InPlace([2, 6, 9, 11], [9, 2, 1, 1], true, default, Group(3)));
        Assert.StartsWith("PointwiseInPlace", InPlace([1, 300, 13, 17], [70, 300, 1, 1], true, new FusedActivation(ActivationKind.Relu)));
        // Strides above 2, and strided 1×1 convs (one phase: nothing to gain), keep the packed path.
        Assert.DoesNotContain("InPlace", InPlace([1, 16, 14, 14], [24, 16, 1, 1], true, default, Strides(2, 2)));
        Assert.StartsWith("Im2Col", InPlace([1, 4, 17, 19], [6, 4, 3, 3], true, default, Strides(3, 3), Pads(1, 0, 2, 1)));
        Assert.DoesNotContain("InPlace", InPlace([1, 4, 17, 19], [6, 4, 3, 3], true, default, Strides(3, 3), Pads(1, 0, 2, 1)));
        Assert.DoesNotContain("InPlace", InPlace([1, 4, 17, 19], [6, 4, 3, 3], true, default, Strides(2, 3), Pads(1, 0, 2, 1)));
    }

    [Fact]
    public void InPlaceStride2MatchesReference()
    {
        // Stride 2 reads the padded image split into (row parity, column parity) phases over a
        // ⌈Wp/2⌉-wide grid: odd and even heights and widths, asymmetric and one-sided pads (odd left
        // pads shift which source columns land in which phase), no pad, kernels 1×1 to 7×7 and 2×2,
        // batches, groups, K > KC, and every fused activation.
        Assert.StartsWith("Im2ColInPlace", InPlace([1, 5, 10, 13], [6, 5, 3, 3], true, default, Strides(2, 2), Pads(1, 1, 1, 1)));
        Assert.StartsWith("Im2ColInPlace", InPlace([1, 4, 17, 19], [6, 4, 3, 3], true, default, Strides(2, 2), Pads(1, 0, 2, 1)));
        Assert.StartsWith("Im2ColInPlace", InPlace([1, 4, 18, 20], [6, 4, 3, 3], true, default, Strides(2, 2), Pads(0, 1, 1, 2)));
        Assert.StartsWith("Im2ColInPlace", InPlace([2, 3, 12, 16], [7, 3, 3, 3], false, default, Strides(2, 2)));
        Assert.StartsWith("Im2ColInPlace", InPlace([1, 3, 35, 35], [8, 3, 3, 3], true, default, Strides(2, 2)));
        Assert.StartsWith("Im2ColInPlace", InPlace([1, 4, 16, 21], [9, 4, 5, 5], true, default, Strides(2, 2), Pads(2, 1, 0, 3)));
        Assert.StartsWith("Im2ColInPlace", InPlace([1, 3, 23, 22], [8, 3, 7, 7], true, default, Strides(2, 2), Pads(3, 3, 3, 3)));
        Assert.StartsWith("Im2ColInPlace", InPlace([1, 4, 10, 11], [5, 4, 2, 2], true, default, Strides(2, 2)));
        // Kernels one tap wide read the even padded columns only, tall ones the even rows.
        Assert.StartsWith("Im2ColInPlace", InPlace([1, 8, 15, 13], [10, 8, 3, 1], false, default, Strides(2, 2)));
        Assert.StartsWith("Im2ColInPlace", InPlace([1, 8, 15, 13], [10, 8, 3, 1], true, default, Strides(2, 2), Pads(1, 1, 0, 0)));
        Assert.StartsWith("Im2ColInPlace", InPlace([1, 8, 40, 37], [10, 8, 3, 1], true, default, Strides(2, 2), Pads(0, 1, 1, 0)));
        Assert.StartsWith("Im2ColInPlace", InPlace([1, 8, 14, 21], [10, 8, 1, 3], true, default, Strides(2, 2), Pads(0, 1, 0, 1)));
        Assert.StartsWith("Im2ColInPlace", InPlace([1, 6, 40, 41], [10, 6, 3, 3], true, default, Strides(2, 2), Pads(1, 1, 1, 1)));
        Assert.StartsWith("Im2ColInPlace", InPlace([2, 6, 9, 14], [9, 2, 3, 3], true, default, Group(3), Strides(2, 2), Pads(1, 1, 1, 1)));
        Assert.StartsWith("Im2ColInPlace", InPlace([8, 8, 48, 48], [32, 8, 3, 3], true, default, Strides(2, 2), Pads(1, 1, 1, 1)));
        Assert.StartsWith("Im2ColInPlace", InPlace([1, 64, 11, 9], [70, 64, 3, 3], true, default, Strides(2, 2), Pads(1, 1, 1, 1)));
        Assert.StartsWith("Im2ColInPlace", InPlace([1, 256, 14, 14], [40, 256, 3, 3], true, default, Strides(2, 2), Pads(1, 1, 1, 1)));
        // Dilations: an even one reads one row or column phase, an odd one both.
        Assert.StartsWith("Im2ColInPlace", InPlace([1, 3, 15, 20], [4, 3, 3, 3], true, default, Strides(2, 2), Dilations(2, 2), Pads(2, 2, 2, 2)));
        Assert.StartsWith("Im2ColInPlace", InPlace([1, 3, 19, 21], [4, 3, 3, 3], true, default, Strides(2, 2), Dilations(3, 1), Pads(3, 1, 0, 2)));
        // One axis strided: phases along that axis only (and a 1-D conv).
        Assert.StartsWith("Im2ColInPlace", InPlace([1, 4, 12, 9], [5, 4, 3, 3], true, default, Strides(2, 1), Pads(1, 1, 1, 1)));
        Assert.StartsWith("Im2ColInPlace", InPlace([1, 4, 12, 19], [5, 4, 3, 3], true, default, Strides(1, 2), Pads(1, 1, 1, 1)));
        Assert.StartsWith("Im2ColInPlace", InPlace([1, 3, 1, 40], [4, 3, 1, 5], true, default, Strides(1, 2), Pads(0, 2, 0, 2)));
        foreach (var act in ConvCheck.Activations)
            Assert.StartsWith("Im2ColInPlace", InPlace([1, 8, 9, 11], [10, 8, 3, 3], true, act, Strides(2, 2), Pads(1, 1, 1, 1)));
    }

    private static string InPlaceT(int[] x, int[] w, bool bias, FusedActivation act, params Graph.Attribute[] attrs) =>
        ConvCheck.Check("Conv", x, w, bias ? w[0] : 0, attrs, act, inPlace: true, transposed: true)!.Variant;

    [Fact]
    public void InPlaceTransposedMatchesReference()
    {
        // Yᵀ over the grid with A's pixels broadcast from the padded image: a ragged last tile of
        // pixels, channel counts below, at and between panel widths (6, 16, 24, 32, 40, 70: ragged
        // column panels through the scratch tile), K > KC, strides 1 and 2, dilation, groups, batches.
        Assert.StartsWith("Im2ColInPlaceT", InPlaceT([1, 5, 10, 13], [6, 5, 3, 3], true, default, Pads(1, 1, 1, 1)));
        Assert.StartsWith("Im2ColInPlaceT", InPlaceT([2, 3, 12, 17], [7, 3, 3, 3], false, default));
        Assert.StartsWith("Im2ColInPlaceT", InPlaceT([1, 16, 14, 14], [32, 16, 3, 3], true, default, Pads(1, 1, 1, 1)));
        Assert.StartsWith("Im2ColInPlaceT", InPlaceT([1, 40, 9, 9], [16, 40, 3, 3], true, default, Pads(1, 1, 1, 1)));
        Assert.StartsWith("Im2ColInPlaceT", InPlaceT([1, 40, 9, 9], [24, 40, 3, 3], false, default, Pads(1, 1, 1, 1)));
        Assert.StartsWith("Im2ColInPlaceT", InPlaceT([1, 40, 23, 19], [40, 40, 3, 3], true, default, Pads(1, 1, 1, 1)));
        Assert.StartsWith("Im2ColInPlaceT", InPlaceT([1, 64, 7, 7], [70, 64, 3, 3], true, default, Pads(1, 1, 1, 1)));
        Assert.StartsWith("Im2ColInPlaceT", InPlaceT([1, 4, 16, 21], [9, 4, 5, 5], true, default, Pads(2, 1, 0, 3)));
        Assert.StartsWith("Im2ColInPlaceT", InPlaceT([1, 3, 14, 20], [4, 3, 3, 3], true, default, Dilations(2, 2), Pads(2, 2, 2, 2)));
        Assert.StartsWith("Im2ColInPlaceT", InPlaceT([2, 6, 9, 14], [9, 2, 3, 3], true, default, Group(3), Pads(1, 1, 1, 1)));
        Assert.StartsWith("Im2ColInPlaceT", InPlaceT([8, 8, 48, 48], [32, 8, 3, 3], true, default, Pads(1, 1, 1, 1)));
        Assert.StartsWith("Im2ColInPlaceT", InPlaceT([1, 5, 10, 13], [6, 5, 3, 3], true, default, Strides(2, 2), Pads(1, 1, 1, 1)));
        Assert.StartsWith("Im2ColInPlaceT", InPlaceT([1, 6, 40, 41], [32, 6, 3, 3], true, default, Strides(2, 2), Pads(1, 1, 1, 1)));
        Assert.StartsWith("Im2ColInPlaceT", InPlaceT([1, 3, 23, 22], [8, 3, 7, 7], true, default, Strides(2, 2), Pads(3, 3, 3, 3)));
        Assert.StartsWith("Im2ColInPlaceT", InPlaceT([1, 256, 14, 14], [40, 256, 3, 3], true, default, Strides(2, 2), Pads(1, 1, 1, 1)));
        foreach (var act in ConvCheck.Activations)
            Assert.StartsWith("Im2ColInPlaceT", InPlaceT([1, 8, 9, 11], [10, 8, 3, 3], true, act, Pads(1, 1, 1, 1)));
    }

    [Fact]
    public void PointwiseInPlaceTransposedMatchesReference()
    {
        // Yᵀ = Xᵀ·Wᵀ with X's channel rows broadcast in place: small and ragged channel counts, K > KC,
        // groups and batches, large enough to split over the threads, every activation, a residual,
        // and an input normalisation (read from its normalised copy).
        Assert.StartsWith("PointwiseInPlaceT", InPlaceT([1, 5, 7, 9], [7, 5, 1, 1], true, default));
        Assert.StartsWith("PointwiseInPlaceT", InPlaceT([3, 17, 5, 3], [130, 17, 1, 1], false, default));
        Assert.StartsWith("PointwiseInPlaceT", InPlaceT([2, 6, 9, 11], [9, 2, 1, 1], true, default, Group(3)));
        Assert.StartsWith("PointwiseInPlaceT", InPlaceT([1, 300, 13, 17], [70, 300, 1, 1], true, default));
        Assert.StartsWith("PointwiseInPlaceT", InPlaceT([1, 864, 7, 7], [128, 864, 1, 1], true, default));
        Assert.StartsWith("PointwiseInPlaceT", InPlaceT([1, 2048, 2, 2], [250, 2048, 1, 1], true, default));
        foreach (var act in ConvCheck.Activations)
            Assert.StartsWith("PointwiseInPlaceT", InPlaceT([1, 64, 14, 14], [96, 64, 1, 1], true, act));
        Assert.StartsWith("PointwiseInPlaceT", ConvCheck.Check("Conv", [1, 96, 14, 14], [64, 96, 1, 1], 64, [], new FusedActivation(ActivationKind.Relu),
            inPlace: true, transposed: true, residual: true)!.Variant);
        Assert.StartsWith("PointwiseInPlaceT", ConvCheck.Check("Conv", [1, 96, 14, 14], [64, 96, 1, 1], 64, [], new FusedActivation(ActivationKind.Relu),
            inPlace: true, transposed: true, normalize: new FusedActivation(ActivationKind.Relu))!.Variant);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void InPlaceTransposedPartsMatchReference(bool splitChannels)
    {
        // Two threads: bands of output rows, or ranges of whole 32- (AVX2: 16-) channel column panels
        // of Wᵀ, each with its residual added after the grid is put back.
        foreach (var act in new[] { new FusedActivation(ActivationKind.Relu), new FusedActivation(ActivationKind.Sigmoid) })
            foreach (long stride in new[] { 1, 2 })
                foreach (int m in new[] { 24, 70 })
                {
                    var result = ConvCheck.Check("Conv", [1, 16, 23, 20], [m, 16, 3, 3], m, [Pads(1, 1, 1, 1), Strides(stride, stride)], act, threadCounts: [2],
                        inPlace: true, transposed: true, residual: true, bands: 3, splitChannels: splitChannels)!;
                    Assert.StartsWith("Im2ColInPlaceT", result.Variant);
                    var conv = (ConvCpu)result.Kernel;
                    Assert.Equal(splitChannels, conv.LastSplitChannels);
                    // 24 channels are one 32-wide column panel: one part computes them all.
                    if (splitChannels && m <= KernelVision.Cpu.Gemm.GemmKernel.Best.NR) Assert.Equal(1, conv.LastBands);
                    else Assert.True(conv.LastBands > 1, $"{conv.LastBands} parts");
                }
    }

    [Fact]
    public void InPlaceStepsSplitOneByOneMatchReference()
    {
        // InPlaceBands off (a benchmark switch, process-wide: whichever form runs is right, so
        // tests beside this one are unaffected): the pad a channel per item over the whole image,
        // then the GEMM and the compaction each split over the threads, strides 1 and 2.
        bool bands = ConvCpu.InPlaceBands;
        try
        {
            ConvCpu.InPlaceBands = false;
            foreach (var (x, w, attrs) in new (int[], int[], Graph.Attribute[])[]
            {
                ([1, 5, 13, 11], [6, 5, 3, 3], [Pads(1, 1, 1, 1)]),
                ([1, 16, 23, 20], [24, 16, 3, 3], [Strides(2, 2), Pads(1, 1, 1, 1)]),
                ([1, 4, 16, 21], [9, 4, 5, 5], [Strides(2, 2), Pads(2, 1, 0, 3)]),
                ([1, 8, 15, 13], [10, 8, 3, 1], [Strides(2, 2), Pads(1, 1, 0, 0)]),
            })
            {
                var result = ConvCheck.Check("Conv", x, w, w[0], attrs, new FusedActivation(ActivationKind.Relu), threadCounts: [2], inPlace: true, residual: true)!;
                Assert.StartsWith("Im2ColInPlace", result.Variant);
                Assert.Equal(0, ((ConvCpu)result.Kernel).LastBands);
            }
        }
        finally
        {
            ConvCpu.InPlaceBands = bands;
        }
    }

    [Fact]
    public void InPlaceStride2PartsMatchReference()
    {
        // A band of output rows [oh0, oh1) splits phase rows [oh0, oh1 + (KH − 1)/2) of each
        // phase; channel parts split the whole image each.
        Assert.Equal(2, Banded([1, 5, 13, 11], [6, 5, 3, 3], 2, default, Strides(2, 2), Pads(1, 1, 1, 1)));
        Assert.Equal(3, Banded([1, 5, 13, 11], [6, 5, 3, 3], 3, default, Strides(2, 2), Pads(1, 1, 1, 1)));
        Assert.Equal(7, Banded([1, 5, 13, 11], [6, 5, 3, 3], 20, default, Strides(2, 2), Pads(1, 1, 1, 1)));
        Assert.Equal(3, Banded([1, 4, 16, 21], [9, 4, 5, 5], 3, default, Strides(2, 2), Pads(2, 1, 0, 3)));
        Assert.Equal(4, Banded([1, 3, 23, 22], [8, 3, 7, 7], 4, default, Strides(2, 2), Pads(3, 3, 3, 3)));
        Assert.Equal(3, Banded([1, 3, 35, 35], [8, 3, 3, 3], 3, default, Strides(2, 2)));
        Assert.Equal(6, Banded([1, 64, 11, 9], [10, 64, 3, 3], 6, default, Strides(2, 2), Pads(1, 1, 1, 1)));
        Assert.Equal(2, Banded([1, 16, 15, 13], [10, 16, 3, 1], 2, default, Strides(2, 2), Pads(1, 1, 1, 0)));
        Assert.Equal(2, Banded([3, 16, 48, 48], [32, 16, 3, 3], 2, default, Strides(2, 2), Pads(1, 1, 1, 1)));
        Assert.Equal(3, Banded([1, 48, 60, 60], [96, 16, 3, 3], 3, default, Group(3), Strides(2, 2), Pads(1, 1, 1, 1)));
        Assert.Equal(2, Banded([1, 4, 12, 9], [5, 4, 3, 3], 2, default, Strides(2, 1), Pads(1, 1, 1, 1)));
        foreach (var act in ConvCheck.Activations)
            Assert.Equal(2, Banded([1, 8, 9, 11], [10, 8, 3, 3], 2, act, Strides(2, 2), Pads(1, 1, 1, 1)));
        Assert.Equal(2, ChannelParts([1, 5, 13, 11], [13, 5, 3, 3], 2, Strides(2, 2), Pads(1, 1, 1, 1)));
        Assert.Equal(3, ChannelParts([1, 5, 13, 11], [13, 5, 3, 3], 7, Strides(2, 2), Pads(1, 1, 1, 1)));
        Assert.Equal(2, ChannelParts([1, 64, 11, 9], [40, 64, 3, 3], 2, Strides(2, 2), Pads(1, 1, 1, 1)));
        Assert.Equal(2, ChannelParts([1, 16, 15, 13], [24, 16, 1, 3], 2, Strides(2, 2), Pads(0, 1, 0, 1)));
        Assert.Equal(4, ChannelParts([1, 48, 60, 60], [96, 16, 3, 3], 4, Group(3), Strides(2, 2), Pads(1, 1, 1, 1)));
    }

    [Fact]
    public void GroupedConvMatchesReference()
    {
        Check([1, 4, 9, 10], [6, 2, 3, 3], true, Group(2), Pads(1, 1, 1, 1));
        Check([2, 6, 7, 8], [9, 2, 3, 3], true, Group(3), Strides(2, 2), Pads(1, 0, 1, 0));
        Check([3, 9, 5, 5], [6, 3, 3, 3], false, Group(3));
        Check([1, 32, 8, 8], [32, 4, 3, 3], true, Group(8), Pads(1, 1, 1, 1));
    }

    [Fact]
    public void DepthwiseMatchesReference()
    {
        Assert.StartsWith("Depthwise", Check([1, 5, 13, 17], [5, 1, 3, 3], true, Group(5), Pads(1, 1, 1, 1)));
        Check([2, 7, 14, 15], [7, 1, 3, 3], true, Group(7), Strides(2, 2), Pads(1, 1, 1, 1));
        Check([1, 6, 15, 14], [6, 1, 3, 3], true, Group(6), Strides(2, 2), Pads(0, 1, 1, 0));
        Check([1, 4, 40, 37], [4, 1, 3, 3], false, Group(4), Dilations(2, 2), Pads(2, 2, 2, 2));
        Check([1, 3, 11, 12], [3, 1, 5, 5], true, Group(3), Pads(2, 1, 2, 3));
        Check([1, 3, 11, 12], [3, 1, 3, 5], true, Group(3), Strides(1, 3), Dilations(2, 1));
        Check([1, 3, 35, 70], [3, 1, 3, 3], true, Group(3), Strides(3, 2), Pads(1, 1, 1, 1));
        Check([1, 3, 4, 3], [3, 1, 3, 3], true, Group(3));
        // Channel multiplier 2 and 3.
        Assert.StartsWith("Depthwise", Check([1, 4, 9, 10], [8, 1, 3, 3], true, Group(4), Pads(1, 1, 1, 1)));
        Check([2, 3, 10, 9], [9, 1, 3, 3], true, Group(3), Strides(2, 2), Pads(1, 1, 1, 1));
        Check([1, 3, 10, 9], [9, 1, 2, 4], true, Group(3), Pads(0, 1, 1, 2));
    }

    [Fact]
    public void ChannelBlockedDepthwiseMatchesReference()
    {
        // Narrow outputs take the channel-interleaved kernel; 13 and 21 channels leave a ragged last block of 8.
        Assert.StartsWith("DepthwiseBlocked", Check([1, 13, 7, 7], [13, 1, 3, 3], true, Group(13), Pads(1, 1, 1, 1)));
        Assert.StartsWith("DepthwiseBlocked", Check([2, 21, 14, 14], [21, 1, 3, 3], true, Group(21), Strides(2, 2), Pads(1, 1, 1, 1)));
        Assert.StartsWith("DepthwiseBlocked", Check([1, 8, 9, 11], [8, 1, 5, 5], false, Group(8), Pads(2, 1, 2, 3)));
        Assert.StartsWith("DepthwiseBlocked", Check([1, 16, 12, 13], [16, 1, 3, 3], true, Group(16), Dilations(2, 3), Strides(1, 2), Pads(2, 0, 1, 3)));
        Assert.StartsWith("DepthwiseBlocked", Check([1, 3, 4, 3], [3, 1, 3, 3], true, Group(3)));
        Assert.StartsWith("DepthwiseBlocked", Check([1, 9, 30, 31], [9, 1, 3, 3], true, Group(9), Pads(1, 2, 1, 0)));
        // Planes of under eight pixels (element-wise interleave), and inputs whose last row and
        // column no output reads (their pixels go to the spare slot, not over the output scratch).
        Assert.StartsWith("DepthwiseBlocked", Check([1, 9, 2, 3], [9, 1, 3, 3], true, Group(9), Pads(1, 1, 1, 1)));
        Assert.StartsWith("DepthwiseBlocked", Check([1, 10, 8, 8], [10, 1, 3, 3], true, Group(10), Strides(2, 2)));
        foreach (var act in ConvCheck.Activations)
            ConvCheck.Check("Conv", [1, 11, 6, 5], [11, 1, 3, 3], 11, [Group(11), Pads(1, 1, 1, 1)], act);
        // Wide outputs and channel multipliers above 1 keep the width-vectorised kernel.
        Assert.DoesNotContain("Blocked", Check([1, 5, 13, 40], [5, 1, 3, 3], true, Group(5), Pads(1, 1, 1, 1)));
        Assert.DoesNotContain("Blocked", Check([1, 4, 9, 10], [8, 1, 3, 3], true, Group(4), Pads(1, 1, 1, 1)));
    }

    /// <summary>
    /// The block width the machine chooses (0: 16 lanes with AVX-512, else 8) and both widths forced,
    /// so that the AVX2 kernel is tested on AVX-512 machines and the 16-lane one (in software) elsewhere.
    /// </summary>
    [Theory]
    [InlineData(0)]
    [InlineData(8)]
    [InlineData(16)]
    public void ChannelBlockedDepthwiseMatchesReferenceAtEveryBlockWidth(int block)
    {
        Conv.DepthwiseConvBlocked.ForcedBlock = block;
        try
        {
            // Channel counts around both block widths: ragged last blocks, of one channel for 17
            // (and 9 at width 8). A single channel is group 1, an ordinary conv: not this kernel's.
            foreach (int c in new[] { 1, 8, 9, 15, 16, 17, 24, 40 })
            {
                string variant = c == 1 ? "Im2Col" : "DepthwiseBlocked";
                Assert.StartsWith(variant, Check([1, c, 7, 7], [c, 1, 3, 3], true, Group(c), Pads(1, 1, 1, 1)));
                Assert.StartsWith(variant, Check([1, c, 14, 13], [c, 1, 3, 3], true, Group(c), Strides(2, 2), Pads(1, 1, 1, 1)));
                Assert.StartsWith(variant, Check([1, c, 9, 8], [c, 1, 5, 5], false, Group(c), Pads(2, 2, 2, 2)));
            }
            // 3×3 widths 1 to 17 and 28: steps of eight and four outputs, the overlapping last
            // steps, single outputs, and planes of fewer pixels than a block has lanes.
            foreach (int w in new[] { 1, 2, 3, 4, 5, 6, 7, 8, 9, 11, 12, 13, 15, 16, 17, 28 })
                Assert.StartsWith("DepthwiseBlocked", Check([1, 24, 3, w], [24, 1, 3, 3], true, Group(24), Pads(1, 1, 1, 1)));
            // Stride = dilation (columns shared between outputs, two apart), dilation alone, stride alone, no padding.
            Assert.StartsWith("DepthwiseBlocked", Check([1, 17, 13, 30], [17, 1, 3, 3], true, Group(17), Strides(2, 2), Dilations(2, 2), Pads(2, 2, 2, 2)));
            Assert.StartsWith("DepthwiseBlocked", Check([1, 17, 13, 20], [17, 1, 3, 3], true, Group(17), Dilations(2, 3), Pads(1, 2, 3, 0)));
            Assert.StartsWith("DepthwiseBlocked", Check([1, 17, 13, 20], [17, 1, 3, 3], true, Group(17), Strides(1, 3)));
            Assert.StartsWith("DepthwiseBlocked", Check([2, 40, 10, 11], [40, 1, 3, 3], true, Group(40)));
            // Kernels other than 3×3.
            Assert.StartsWith("DepthwiseBlocked", Check([1, 24, 9, 10], [24, 1, 1, 3], true, Group(24), Pads(0, 1, 0, 1)));
            Assert.StartsWith("DepthwiseBlocked", Check([1, 24, 9, 10], [24, 1, 3, 1], true, Group(24), Strides(2, 1), Pads(1, 0, 1, 0)));
            Assert.StartsWith("DepthwiseBlocked", Check([1, 24, 11, 12], [24, 1, 7, 7], true, Group(24), Dilations(1, 2), Pads(3, 3, 3, 3)));
            foreach (var act in ConvCheck.Activations)
            {
                ConvCheck.Check("Conv", [1, 24, 6, 13], [24, 1, 3, 3], 24, [Group(24), Pads(1, 1, 1, 1)], act);
                ConvCheck.Check("Conv", [1, 24, 7, 7], [24, 1, 3, 3], 24, [Group(24), Strides(2, 2), Pads(1, 1, 1, 1)], act);
                ConvCheck.Check("Conv", [1, 17, 6, 9], [17, 1, 5, 5], 17, [Group(17), Pads(2, 2, 2, 2)], act);
            }
        }
        finally
        {
            Conv.DepthwiseConvBlocked.ForcedBlock = 0;
        }
    }

    [Fact]
    public void ChannelBlockWidthFollowsTheVectorWidth()
    {
        var s16 = Conv.ConvShape.Create(ConvCheck.Build("Conv", [Group(16)], false, default) is Ops.Neural.Conv c ? c.Resolve([1, 16, 7, 7], [16, 1, 3, 3]) : null!, 1, 16, 16, 16);
        var s8 = Conv.ConvShape.Create(ConvCheck.Build("Conv", [Group(8)], false, default) is Ops.Neural.Conv d ? d.Resolve([1, 8, 7, 7], [8, 1, 3, 3]) : null!, 1, 8, 8, 8);
        var wide = new Conv.DepthwiseConvBlocked(s16);
        Assert.Equal(System.Runtime.Intrinsics.Vector512.IsHardwareAccelerated ? 16 : 8, wide.Block);
        Assert.Equal(16 / wide.Block, wide.Blocks);
        Assert.Equal(8, new Conv.DepthwiseConvBlocked(s8).Block); // eight channels would leave half of a Vector512 empty
        Conv.DepthwiseConvBlocked.ForcedBlock = 16;
        try
        {
            Assert.Equal(16, new Conv.DepthwiseConvBlocked(s8).Block);
        }
        finally
        {
            Conv.DepthwiseConvBlocked.ForcedBlock = 0;
        }
    }

    [Fact]
    public void ChannelBlockedWeightsArePackedPerBlockWidth()
    {
        // One kernel, one constant W, plans of two block widths: each must get weights packed for its own width.
        var rng = new Random(11);
        var op = ConvCheck.Build("Conv", [Group(24), Pads(1, 1, 1, 1)], bias: false, default);
        var kernel = new CpuBackend(1).CreateKernel(op)!;
        var w = ConvCheck.Random(rng, 24, 1, 3, 3);
        ((IConstantInputsAware)kernel).PrepareConstants([null, w]);
        try
        {
            foreach (var (block, size) in new[] { (8, 7), (16, 9), (8, 7) })
            {
                Conv.DepthwiseConvBlocked.ForcedBlock = block;
                var x = ConvCheck.Random(rng, 1, 24, size, size);
                var want = OpEvaluator.Evaluate(op, ReferenceBackend.Instance, [x, w])[0]!;
                var y = Tensor.Zeros(DataType.Float32, want.Shape);
                kernel.Run([x, w], [y]);
                ConvCheck.AssertClose(want, y, $"block {block}, {size}x{size}");
            }
        }
        finally
        {
            Conv.DepthwiseConvBlocked.ForcedBlock = 0;
        }
    }

    [Fact]
    public void OneDimensionalConvsMatchReference()
    {
        Check([2, 3, 29], [5, 3, 3], true, Attr.Ints("pads", 1, 2));
        Check([1, 4, 30], [6, 2, 5], true, Group(2), Strides(2), Dilations(2), Attr.Ints("pads", 3, 0));
        Check([1, 4, 33], [4, 4, 1], true);
        Assert.StartsWith("Depthwise", Check([1, 6, 31], [12, 1, 3], true, Group(6), Strides(2), Attr.Ints("pads", 1, 1)));
    }

    [Fact]
    public void ThreeDimensionalConvsMatchReference()
    {
        Assert.StartsWith("Im2ColNd", Check([1, 3, 5, 6, 7], [4, 3, 3, 3, 3], true, Pads(1, 1, 1, 1, 0, 1)));
        Check([2, 4, 6, 5, 7], [6, 2, 3, 2, 3], true, Group(2), Strides(2, 1, 2), Dilations(1, 2, 1), Pads(0, 1, 1, 1, 0, 0));
        Check([1, 3, 4, 5, 6], [3, 1, 3, 3, 3], true, Group(3), Pads(1, 1, 1, 1, 1, 1)); // depthwise 3-D: generic path
        Assert.StartsWith("Pointwise", Check([1, 5, 3, 4, 5], [7, 5, 1, 1, 1], true));
    }

    [Fact]
    public void EveryFusedActivationIsApplied()
    {
        foreach (var act in ConvCheck.Activations)
        {
            ConvCheck.Check("Conv", [1, 5, 7, 9], [7, 5, 1, 1], 7, [], act);
            ConvCheck.Check("Conv", [2, 5, 1, 1], [7, 5, 1, 1], 7, [], act);
            ConvCheck.Check("Conv", [1, 8, 7, 7], [32, 8, 3, 3], 32, [Pads(1, 1, 1, 1)], act, winograd: false);
            ConvCheck.Check("Conv", [1, 3, 10, 11], [5, 3, 3, 3], 5, [Pads(1, 1, 1, 1), Strides(2, 1)], act);
            ConvCheck.Check("Conv", [1, 4, 10, 19], [8, 1, 3, 3], 8, [Group(4), Pads(1, 1, 1, 1)], act);
            ConvCheck.Check("Conv", [1, 2, 4, 5, 6], [3, 2, 2, 2, 2], 3, [], act);
        }
    }

    [Fact]
    public void ChangedWeightsArePackedAgain()
    {
        var rng = new Random(5);
        var x = ConvCheck.Random(rng, 1, 6, 8, 9);
        var op = ConvCheck.Build("Conv", [Pads(1, 1, 1, 1)], bias: false, default);
        var kernel = new CpuBackend(1).CreateKernel(op)!;
        foreach (bool inPlace in new[] { false, true, true })
        {
            var w = ConvCheck.Random(rng, 4, 6, 3, 3);
            var want = OpEvaluator.Evaluate(op, ReferenceBackend.Instance, [x, w])[0]!;
            var y = Tensor.Zeros(DataType.Float32, want.Shape);
            kernel.Run([x, w], [y]);
            ConvCheck.AssertClose(want, y, "fresh weights");
            if (!inPlace) continue;
            // Same tensor object, new values (a computed weight in a reused buffer).
            var fresh = ConvCheck.Random(rng, 4, 6, 3, 3);
            fresh.Floats.CopyTo(w.Floats);
            want = OpEvaluator.Evaluate(op, ReferenceBackend.Instance, [x, w])[0]!;
            kernel.Run([x, w], [y]);
            ConvCheck.AssertClose(want, y, "weights rewritten in place");
        }
    }

    [Fact]
    public void OnlyTheAnnouncedConstantIsKept()
    {
        var rng = new Random(6);
        var x = ConvCheck.Random(rng, 1, 6, 8, 9);
        var op = ConvCheck.Build("Conv", [Pads(1, 1, 1, 1)], bias: false, default);
        var kernel = (ConvCpu)new CpuBackend(1).CreateKernel(op)!;
        var w1 = ConvCheck.Random(rng, 4, 6, 3, 3);
        var w2 = ConvCheck.Random(rng, 4, 6, 3, 3);
        var y = Tensor.Zeros(DataType.Float32, [1, 4, 8, 9]);
        void Check(Tensor w, string what)
        {
            kernel.Run([x, w], [y]);
            ConvCheck.AssertClose(OpEvaluator.Evaluate(op, ReferenceBackend.Instance, [x, w])[0]!, y, what);
        }
        kernel.PrepareConstants([null, w1]);
        Check(w1, "announced W");
        long bytes = kernel.PreparedWeightBytes;
        Assert.True(bytes > 0);
        Check(w2, "another W, prepared for its run alone");
        Assert.Equal(bytes, kernel.PreparedWeightBytes);
        Check(w1, "announced W again");
        // A new plan announces another constant: the old copy is dropped, the old tensor still runs.
        kernel.PrepareConstants([null, w2]);
        Assert.Equal(0, kernel.PreparedWeightBytes);
        Check(w2, "newly announced W");
        Check(w1, "no longer announced W");
        Assert.Equal(bytes, kernel.PreparedWeightBytes);
    }

    [Fact]
    public void PreparedWeightsAreReported()
    {
        var rng = new Random(3);
        long Prepared(int[] xs, int[] ws, params Graph.Attribute[] attrs)
        {
            var op = ConvCheck.Build("Conv", attrs, bias: false, default);
            var kernel = (ConvCpu)new CpuBackend(1).CreateKernel(op)!;
            var x = ConvCheck.Random(rng, xs);
            var w = ConvCheck.Random(rng, ws);
            var y = OpEvaluator.Evaluate(op, ReferenceBackend.Instance, [x, w])[0];
            kernel.Run([x, w], [y]);
            Assert.Equal(0, kernel.PreparedWeightBytes); // a run-time W is not kept
            kernel.PrepareConstants([null, w]);
            Assert.Equal(0, kernel.PreparedWeightBytes); // the layout waits for the input shape
            kernel.Run([x, w], [y]);
            return kernel.PreparedWeightBytes;
        }
        // Packed W: at least W's size (panels are padded to whole register tiles).
        long packed = Prepared([1, 32, 9, 9], [32, 32, 5, 5], Pads(2, 2, 2, 2));
        Assert.InRange(packed, 32 * 32 * 25 * 4, 2 * 32 * 32 * 25 * 4);
        // Winograd F(2x2): 16 transformed taps per channel pair instead of 9; F(4x4): 36.
        long wino = Prepared([1, 32, 7, 7], [32, 32, 3, 3], Pads(1, 1, 1, 1));
        Assert.InRange(wino, 16 * 32 * 32 * 4, 2 * 16 * 32 * 32 * 4);
        long wino4 = Prepared([1, 32, 20, 20], [32, 32, 3, 3], Pads(1, 1, 1, 1));
        Assert.InRange(wino4, 36 * 32 * 32 * 4, 2 * 36 * 32 * 32 * 4);
        Assert.Equal(0, Prepared([1, 8, 9, 40], [8, 1, 3, 3], Group(8))); // depthwise on a wide map reads W as it is
        Assert.Equal(8 * 9 * 4, Prepared([1, 8, 9, 9], [8, 1, 3, 3], Group(8))); // narrow: taps packed per block of 8 channels
    }

    [Fact]
    public void LaterRunsDoNotAllocate()
    {
        var rng = new Random(9);
        foreach (var (xs, ws, attrs) in new (int[], int[], Graph.Attribute[])[]
                 {
                     ([1, 16, 14, 14], [16, 16, 1, 1], []),
                     ([2, 16, 1, 1], [130, 16, 1, 1], []),
                     ([1, 8, 15, 14], [12, 8, 3, 3], [Pads(1, 1, 1, 1)]),
                     ([1, 16, 20, 21], [16, 16, 3, 3], [Pads(1, 1, 1, 1)]),
                     ([1, 64, 7, 7], [64, 64, 3, 3], [Pads(1, 1, 1, 1)]),
                     ([2, 8, 15, 14], [12, 4, 3, 3], [Pads(1, 1, 1, 1), Group(2)]),
                     ([1, 32, 7, 7], [64, 32, 3, 3], [Pads(1, 1, 1, 1)]),
                     ([1, 16, 15, 14], [16, 1, 3, 3], [Pads(1, 1, 1, 1), Group(16)]),
                     ([1, 4, 5, 6, 5], [3, 4, 3, 3, 3], []),
                 })
            foreach (int threads in new[] { 1, 2 })
                foreach (bool residual in new[] { false, true })
                    ConvCheck.AssertLaterRunsDoNotAllocate(rng, "Conv", xs, ws, ws[0], attrs, new FusedActivation(ActivationKind.Relu), threads, residual);
    }

    [Fact]
    public void Float64FallsBackToReference()
    {
        var x = Tensor.Zeros(DataType.Float64, [1, 2, 4, 4]);
        var w = Tensor.Zeros(DataType.Float64, [3, 2, 3, 3]);
        for (int i = 0; i < x.Length; i++) x.Doubles[i] = i * 0.1;
        for (int i = 0; i < w.Length; i++) w.Doubles[i] = 1 - i * 0.05;
        var want = OpEvaluator.Run("Conv", [x, w], [Pads(1, 1, 1, 1)])[0]!;
        var got = OpEvaluator.Run("Conv", [x, w], [Pads(1, 1, 1, 1)], backend: new CpuBackend(1))[0]!;
        Assert.Equal(want.Doubles.ToArray(), got.Doubles.ToArray());
    }

    [Fact]
    public void EmptyBatchAndThroughOpEvaluator()
    {
        var x = Tensor.Zeros(DataType.Float32, [0, 3, 5, 5]);
        var w = ConvCheck.Random(new Random(1), 4, 3, 3, 3);
        var y = OpEvaluator.Run("Conv", [x, w], backend: new CpuBackend(2))[0]!;
        Assert.Equal([0, 4, 3, 3], y.Shape);
        // The public entry point the sessions use.
        var x2 = ConvCheck.Random(new Random(2), 1, 3, 6, 6);
        var want = OpEvaluator.Run("Conv", [x2, w], [Pads(1, 1, 1, 1)])[0]!;
        var got = OpEvaluator.Run("Conv", [x2, w], [Pads(1, 1, 1, 1)], backend: new CpuBackend(2))[0]!;
        ConvCheck.AssertClose(want, got, "OpEvaluator.Run");
    }

    private static string Root => TestSupport.ConformanceData.Root;

    /// <summary>
    /// The official ONNX node tests of Conv and ConvTranspose on the Cpu backend (the same check as
    /// <c>kv conformance DIR --backend cpu --filter conv</c>).
    /// </summary>
    [Fact]
    public void ConvCasesPassOnCpu()
    {
        Assert.Contains(typeof(Ops.Neural.Conv), CpuBackend.ImplementedOps);
        Assert.Contains(typeof(ConvTranspose), CpuBackend.ImplementedOps);
        var options = new SessionOptions { Backend = new CpuBackend(2), AllowReferenceFallback = false };
        var cases = ConformanceSuite.Discover(Root)
            .Where(c => c.Name.StartsWith("test_conv", StringComparison.Ordinal) || c.Name.StartsWith("test_basic_conv", StringComparison.Ordinal))
            .ToList();
        Assert.NotEmpty(cases);
        var failed = new List<string>();
        int passed = 0;
        foreach (var c in cases)
        {
            var r = ConformanceSuite.Run(c, options);
            if (r.Status == CaseStatus.Failed) failed.Add($"{c.Name}: {r.Detail}");
            else if (r.Status == CaseStatus.Passed) passed++;
        }
        Assert.True(failed.Count == 0, $"{failed.Count} of {cases.Count} failed:\n" + string.Join("\n", failed));
        Assert.True(passed > 10, $"only {passed} cases passed");
    }

    public static TheoryData<string, int[], int[], string, bool?, int, bool, string> ResidualCases() => new()
    {
        // expected path, X, W, attributes (pads;strides;group), winograd, tile, in-place, activation
        { "Pointwise ", [1, 5, 7, 9], [7, 5, 1, 1], "", null, 0, false, "Relu" },
        { "Pointwise ", [1, 300, 6, 7], [20, 300, 1, 1], "", null, 0, false, "Relu" }, // K > KC: Z joins on the first K block only; ragged tiles
        { "Pointwise ", [2, 6, 9, 11], [9, 2, 1, 1], ";;3", null, 0, false, "Sigmoid" }, // per image and group
        { "PointwiseT", [1, 512, 2, 2], [96, 512, 1, 1], "", null, 0, false, "Clip" },
        { "PointwiseT", [1, 2048, 2, 2], [250, 2048, 1, 1], "", null, 0, false, "Relu" }, // split into regions, each put back with its Z by its task
        { "PointwiseDot", [2, 20, 1, 1], [30, 20, 1, 1], "", null, 0, false, "Relu" },
        { "Im2Col ", [1, 16, 30, 30], [64, 16, 5, 5], "2,2,2,2", null, 0, false, "Relu" },
        { "Im2Col ", [2, 8, 13, 11], [12, 8, 3, 3], "1,1,1,1;2,2", false, 0, false, "None" },
        { "Im2ColT", [1, 40, 2, 4], [64, 40, 3, 3], "1,1,1,1", null, 0, false, "Relu" },
        { "Im2ColT", [1, 256, 2, 2], [170, 256, 3, 3], "1,1,1,1", null, 0, false, "None" },
        { "Im2ColNd", [1, 4, 5, 6, 7], [8, 4, 3, 3, 3], "1,1,1,1,1,1", null, 0, false, "Relu" },
        { "Im2ColInPlace", [2, 8, 10, 12], [16, 8, 3, 3], "1,1,1,1", null, 0, true, "Relu" },
        { "Im2ColInPlace", [2, 8, 11, 12], [16, 8, 3, 3], "1,1,1,1;2,2", null, 0, true, "Relu" },
        { "Im2ColInPlace", [1, 8, 13, 12], [16, 8, 3, 1], "1,0,1,0;2,2", null, 0, true, "Sigmoid" },
        { "WinogradF2", [1, 16, 12, 14], [24, 16, 3, 3], "1,1,1,1", true, 2, false, "Relu" },
        { "WinogradF4", [2, 16, 11, 13], [24, 16, 3, 3], "1,1,1,1", true, 4, false, "Tanh" },
        { "Depthwise ", [1, 8, 40, 41], [16, 1, 3, 3], "1,1,1,1;;8", null, 0, false, "Relu" }, // depth multiplier 2
        { "DepthwiseBlocked", [2, 32, 7, 7], [32, 1, 3, 3], "1,1,1,1;;32", null, 0, false, "Clip" },
    };

    [Theory]
    [MemberData(nameof(ResidualCases))]
    public void FusedResidualMatchesReferenceOnEveryPath(string path, int[] x, int[] w, string attrs, bool? winograd, int tile, bool inPlace, string act)
    {
        // The Reference kernel (checked against a hand-worked residual in ConvTests) is the oracle;
        // the variant proves which path added Z (epilogue, per plane, or a pass after the path).
        var parts = attrs.Split(';');
        var list = new List<Graph.Attribute>();
        if (parts[0].Length > 0) list.Add(Pads(parts[0].Split(',').Select(long.Parse).ToArray()));
        if (parts.Length > 1 && parts[1].Length > 0) list.Add(Strides(parts[1].Split(',').Select(long.Parse).ToArray()));
        if (parts.Length > 2) list.Add(Group(int.Parse(parts[2])));
        var activation = act switch
        {
            "Relu" => new FusedActivation(ActivationKind.Relu),
            "Clip" => new FusedActivation(ActivationKind.Clip, 0f, 1f),
            "Sigmoid" => new FusedActivation(ActivationKind.Sigmoid),
            "Tanh" => new FusedActivation(ActivationKind.Tanh),
            _ => default,
        };
        string variant = ConvCheck.Check("Conv", x, w, w[0], list, activation, winograd: winograd, winogradTile: tile, inPlace: inPlace, residual: true)!.Variant;
        Assert.StartsWith(path, variant);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void FusedResidualMatchesReferenceInInPlaceParts(bool splitChannels)
    {
        // One image on two threads: each part pads, multiplies and compacts its share, then adds Z to it.
        foreach (var act in new[] { new FusedActivation(ActivationKind.Relu), new FusedActivation(ActivationKind.Sigmoid) })
            foreach (long stride in new[] { 1, 2 })
            {
                var v = ConvCheck.Check("Conv", [1, 16, 23, 20], [24, 16, 3, 3], 24, [Pads(1, 1, 1, 1), Strides(stride, stride)], act, threadCounts: [2],
                    inPlace: true, residual: true, bands: 2, splitChannels: splitChannels)!.Variant;
                Assert.StartsWith("Im2ColInPlace", v);
            }
    }

    public static TheoryData<string, int[], int[], string, bool, string> NormalizationCases() => new()
    {
        // expected path, X, W, attributes (strides;group), residual too, the BatchNormalization's activation
        { "Pointwise ", [1, 5, 7, 9], [7, 5, 1, 1], "", false, "Relu" },
        { "Pointwise ", [1, 16, 8, 8], [24, 16, 1, 1], "", false, "None" },
        { "Pointwise ", [1, 300, 6, 7], [20, 300, 1, 1], "", false, "LeakyRelu" }, // K > KC: several K blocks of packed, normalised panels
        { "Pointwise ", [2, 6, 9, 11], [9, 2, 1, 1], ";3", true, "Clip" },      // per image and group, with a residual as well
        { "PointwiseT", [1, 512, 2, 2], [96, 512, 1, 1], "", false, "None" },   // normalised while packing the transposed A
        { "PointwiseT", [1, 2048, 2, 2], [250, 2048, 1, 1], "", true, "Relu" }, // the same in regions split over the threads, with a residual
        { "PointwiseDot", [2, 20, 1, 1], [30, 20, 1, 1], "", false, "Sigmoid" }, // a normalised copy
        { "Im2Col", [1, 6, 9, 8], [8, 6, 3, 3], "2,2", false, "None" },        // unpadded 3×3: a normalised copy
    };

    [Theory]
    [MemberData(nameof(NormalizationCases))]
    public void FusedInputNormalizationMatchesReference(string path, int[] x, int[] w, string attrs, bool residual, string act)
    {
        // The Reference kernel runs the BatchNormalization's own Reference kernel first: an independent oracle.
        var parts = attrs.Split(';');
        var list = new List<Graph.Attribute>();
        if (parts[0].Length > 0) list.Add(Strides(parts[0].Split(',').Select(long.Parse).ToArray()));
        if (parts.Length > 1) list.Add(Group(int.Parse(parts[1])));
        var normalize = act switch
        {
            "Relu" => new FusedActivation(ActivationKind.Relu),
            "Clip" => new FusedActivation(ActivationKind.Clip, 0f, 0.5f),
            "Sigmoid" => new FusedActivation(ActivationKind.Sigmoid),
            "LeakyRelu" => new FusedActivation(ActivationKind.LeakyRelu, 0.1f),
            _ => default,
        };
        string variant = ConvCheck.Check("Conv", x, w, w[0], list, new FusedActivation(ActivationKind.Relu), residual: residual, normalize: normalize)!.Variant;
        Assert.StartsWith(path, variant);
    }

    [Fact]
    public void InPlacePointwiseReadsTheNormalizedCopy()
    {
        // The in-place pointwise form packs nothing, so it reads a normalised copy of X.
        var v = ConvCheck.Check("Conv", [1, 8, 6, 6], [16, 8, 1, 1], 16, [], inPlace: true, normalize: new FusedActivation(ActivationKind.Relu))!.Variant;
        Assert.StartsWith("PointwiseInPlace", v);
    }
}
