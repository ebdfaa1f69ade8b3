using KernelVision.Tensors;
using Xunit;

namespace KernelVision.Vision.Tests;

public class PreprocessingTests
{
    private static RgbImage Gray(byte[,] v)
    {
        int h = v.GetLength(0), w = v.GetLength(1);
        var img = new RgbImage(w, h);
        for (int y = 0; y < h; y++)
            for (int x = 0; x < w; x++) img[x, y] = Rgb.Gray(v[y, x]);
        return img;
    }

    private static ImageInputSpec GraySpec(int w, int h, ResizeMode mode = ResizeMode.Stretch, float mean = 0, float std = 1, byte pad = 0) => new()
    {
        Name = "x", Width = w, Height = h, Color = ColorMode.Gray, Resize = mode, Scale = 255, Mean = [mean], Std = [std], PadValue = pad,
    };

    [Fact]
    public void GrayNormalisationMatchesHandComputedValues()
    {
        // (v / 255 - 0.2860) / 0.3530, computed by hand for v = 0, 51, 102, 255.
        var spec = GraySpec(2, 2, mean: 0.2860f, std: 0.3530f);
        var t = Preprocessing.ToTensor([Preprocessing.Fit(Gray(new byte[,] { { 0, 51 }, { 102, 255 } }), spec).Image], spec);
        Assert.Equal([1, 1, 2, 2], t.Shape);
        float[] expected = [-0.8101983f, -0.2436261f, 0.3229462f, 2.0226629f];
        for (int i = 0; i < 4; i++) Assert.Equal(expected[i], t.Floats[i], 5);
    }

    [Fact]
    public void RgbAndBgrChannelOrderWithPerChannelMeanStd()
    {
        var img = new RgbImage(1, 1);
        img[0, 0] = new Rgb(10, 20, 30);
        var rgb = new ImageInputSpec { Name = "x", Width = 1, Height = 1, Color = ColorMode.Rgb, Scale = 10, Mean = [0.1f, 0.2f, 0.3f], Std = [0.5f, 0.5f, 0.5f] };
        // R: (1 - 0.1)/0.5 = 1.8, G: (2 - 0.2)/0.5 = 3.6, B: (3 - 0.3)/0.5 = 5.4
        var t = Preprocessing.ToTensor([img], rgb);
        Assert.Equal([1, 3, 1, 1], t.Shape);
        Assert.Equal([1.8f, 3.6f, 5.4f], t.Floats.ToArray().Select(v => MathF.Round(v, 5)));
        // BGR: channel 0 is blue (3 - 0.1)/0.5 = 5.8, channel 1 green 3.6, channel 2 red (1 - 0.3)/0.5 = 1.4
        var bgr = Preprocessing.ToTensor([img], rgb with { Color = ColorMode.Bgr });
        Assert.Equal([5.8f, 3.6f, 1.4f], bgr.Floats.ToArray().Select(v => MathF.Round(v, 5)));
    }

    [Fact]
    public void GrayFromColourUsesPilLuma()
    {
        // PIL "L": (10·19595 + 200·38470 + 30·7471 + 32768) >> 16 = 8146848 >> 16 = 124 (0.299·10 + 0.587·200 + 0.114·30 = 123.81).
        Assert.Equal(124, Preprocessing.Luma(10, 200, 30));
        for (int v = 0; v < 256; v++) Assert.Equal(v, Preprocessing.Luma((byte)v, (byte)v, (byte)v));
        var img = new RgbImage(1, 1);
        img[0, 0] = new Rgb(10, 200, 30);
        Assert.Equal(124f, Preprocessing.ToTensor([img], GraySpec(1, 1) with { Scale = 1 }).Floats[0]);
    }

    [Fact]
    public void LetterboxPadsAndRecordsGeometry()
    {
        var src = Gray(new byte[,] { { 1, 2, 3, 4 }, { 5, 6, 7, 8 } });
        var (fit, geo) = Preprocessing.Fit(src, GraySpec(4, 4, ResizeMode.Letterbox, pad: 9));
        // 4x2 fits 4x4 at scale 1, centred: one pad row above and below.
        byte[,] expected = { { 9, 9, 9, 9 }, { 1, 2, 3, 4 }, { 5, 6, 7, 8 }, { 9, 9, 9, 9 } };
        for (int y = 0; y < 4; y++)
            for (int x = 0; x < 4; x++) Assert.Equal(expected[y, x], fit[x, y].R);
        Assert.Equal(new ImageGeometry(4, 2, 1, 1, 0, 1), geo);
        Assert.Equal((2.0, 1.0), geo.ToSource(2, 2));

        var (_, geo2) = Preprocessing.Fit(new RgbImage(8, 4), GraySpec(4, 4, ResizeMode.Letterbox));
        Assert.Equal(new ImageGeometry(8, 4, 0.5, 0.5, 0, 1), geo2);
        Assert.Equal((8.0, 4.0), geo2.ToSource(4, 3));
    }

    [Fact]
    public void CenterCropTakesTheMiddle()
    {
        var src = Gray(new byte[,] { { 0, 10, 20, 30 }, { 40, 50, 60, 70 } });
        var (fit, geo) = Preprocessing.Fit(src, GraySpec(2, 2, ResizeMode.CenterCrop));
        // Scale max(2/4, 2/2) = 1: no resize; left = round((4 - 2) / 2) = 1.
        Assert.Equal([10, 20, 50, 60], new[] { fit[0, 0].R, fit[1, 0].R, fit[0, 1].R, fit[1, 1].R }.Select(b => (int)b));
        Assert.Equal((1.0, 0.0), geo.ToSource(0, 0));
    }

    [Fact]
    public void ImageNetCenterCropResizesShorterSideToSizeOverFraction()
    {
        var spec = ImageInputSpec.ImageNet("data");
        var (fit, geo) = Preprocessing.Fit(new RgbImage(300, 200, Rgb.Gray(40)), spec);
        Assert.Equal((224, 224), (fit.Width, fit.Height));
        // Shorter side 200 -> 256 (= 224 / 0.875): scale 1.28, long side 384; crop offsets (80, 16).
        Assert.Equal(1.28, geo.ScaleX, 6);
        Assert.Equal(1.28, geo.ScaleY, 6);
        Assert.Equal((-80.0, -16.0), (geo.OffsetX, geo.OffsetY));
        Assert.All(Enumerable.Range(0, 224 * 224), i => Assert.Equal(40, fit.Pixels[3 * i]));
    }

    [Fact]
    public void StretchResizeKeepsAConstantImageConstant()
    {
        var (fit, geo) = Preprocessing.Fit(new RgbImage(5, 3, new Rgb(77, 12, 200)), new ImageInputSpec { Name = "x", Width = 2, Height = 4, Mean = [0, 0, 0], Std = [1, 1, 1] });
        Assert.Equal((2, 4), (fit.Width, fit.Height));
        for (int y = 0; y < 4; y++)
            for (int x = 0; x < 2; x++) Assert.Equal(new Rgb(77, 12, 200), fit[x, y]);
        Assert.Equal((0.4, 4.0 / 3), (geo.ScaleX, geo.ScaleY));
    }

    [Fact]
    public void WritePlanesRejectsUnfittedPictures()
    {
        var spec = GraySpec(2, 2);
        Assert.Throws<ArgumentException>(() => Preprocessing.WritePlanes(new RgbImage(3, 2), spec, new float[4]));
    }

    [Fact]
    public void PostprocessingMapsRangeAndDenormalises()
    {
        var t = Tensor.FromFloats([1, 1, 1, 4], [-1f, 0f, 1f, 7f]);
        var img = Postprocessing.FromRange(t, 0, -1, 1);
        // (x + 1) / 2 · 255: 0, 127.5 -> 128 (half away from zero), 255, clamped 255.
        Assert.Equal([0, 128, 255, 255], Enumerable.Range(0, 4).Select(x => (int)img[x, 0].R));
        Assert.Equal(img[1, 0].R, img[1, 0].B);

        var spec = new ImageInputSpec { Name = "x", Width = 1, Height = 1, Color = ColorMode.Bgr, Scale = 10, Mean = [0.1f, 0.2f, 0.3f], Std = [0.5f, 0.5f, 0.5f] };
        var back = Postprocessing.Denormalize(Tensor.FromFloats([1, 3, 1, 1], [5.8f, 3.6f, 1.4f]), 0, spec);
        Assert.Equal(new Rgb(10, 20, 30), back[0, 0]);
    }

    [Fact]
    public void PostprocessingRejectsNonImageTensors()
    {
        Assert.Throws<InputException>(() => Postprocessing.FromRange(Tensor.FromFloats([1, 2, 1, 1], [0, 0]), 0, -1, 1));
        Assert.Throws<InputException>(() => Postprocessing.FromRange(Tensor.FromFloats([4], [0, 0, 0, 0]), 0, -1, 1));
    }
}
