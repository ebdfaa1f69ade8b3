using KernelVision.Tensors;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;
using SixLabors.ImageSharp.Processing;

namespace KernelVision.Vision;

/// <summary>
/// Where a source image landed in the model input: input pixel = source pixel · scale + offset.
/// Used to map detections back onto the original picture.
/// </summary>
public readonly record struct ImageGeometry(int SourceWidth, int SourceHeight, double ScaleX, double ScaleY, double OffsetX, double OffsetY)
{
    /// <summary>Maps an input-space point back to source pixels.</summary>
    public (double X, double Y) ToSource(double x, double y) => ((x - OffsetX) / ScaleX, (y - OffsetY) / ScaleY);

    /// <summary>Maps a source point to input-space pixels.</summary>
    public (double X, double Y) ToInput(double x, double y) => (x * ScaleX + OffsetX, y * ScaleY + OffsetY);
}

/// <summary>
/// Turns pictures into model input tensors as the metadata says: resize (stretch, letterbox or
/// centre-crop, bilinear with antialiasing like PIL), colour mode, then x = (byte / scale − mean) / std
/// per channel in float32 (the same operations, in the same order, as torchvision's ToTensor + Normalize),
/// laid out NCHW.
/// </summary>
public static class Preprocessing
{
    /// <summary>Brings <paramref name="src"/> to the input size; returns the fitted picture and where the source went.</summary>
    public static (RgbImage Image, ImageGeometry Geometry) Fit(RgbImage src, ImageInputSpec spec)
    {
        int W = spec.Width, H = spec.Height, w = src.Width, h = src.Height;
        switch (spec.Resize)
        {
            case ResizeMode.Stretch:
                return (Resize(src, W, H), new ImageGeometry(w, h, (double)W / w, (double)H / h, 0, 0));
            case ResizeMode.Letterbox:
            {
                double s = Math.Min((double)W / w, (double)H / h);
                int nw = Math.Clamp((int)Math.Round(w * s), 1, W), nh = Math.Clamp((int)Math.Round(h * s), 1, H);
                int dx = (W - nw) / 2, dy = (H - nh) / 2;
                var canvas = new RgbImage(W, H, Rgb.Gray(spec.PadValue));
                canvas.Paste(Resize(src, nw, nh), dx, dy);
                return (canvas, new ImageGeometry(w, h, (double)nw / w, (double)nh / h, dx, dy));
            }
            case ResizeMode.CenterCrop:
            {
                double s = Math.Max((double)W / w, (double)H / h) / spec.CropFraction;
                int rw = Math.Max(W, (int)Math.Round(w * s)), rh = Math.Max(H, (int)Math.Round(h * s));
                // torchvision CenterCrop: top = round((h - th) / 2), Python rounding (half to even).
                int left = (int)Math.Round((rw - W) / 2.0, MidpointRounding.ToEven), top = (int)Math.Round((rh - H) / 2.0, MidpointRounding.ToEven);
                var resized = Resize(src, rw, rh);
                var crop = new RgbImage(W, H);
                crop.Paste(resized, -left, -top);
                return (crop, new ImageGeometry(w, h, (double)rw / w, (double)rh / h, -left, -top));
            }
            default: throw new ArgumentOutOfRangeException(nameof(spec), spec.Resize, "unknown resize mode");
        }
    }

    /// <summary>Bilinear resize (ImageSharp's triangle filter, antialiased when shrinking); a copy when the size already matches.</summary>
    public static RgbImage Resize(RgbImage src, int width, int height)
    {
        if (src.Width == width && src.Height == height) return src.Clone();
        using var img = ImageIO.ToImageSharp(src);
        img.Mutate(c => c.Resize(new ResizeOptions { Size = new Size(width, height), Mode = SixLabors.ImageSharp.Processing.ResizeMode.Stretch, Sampler = KnownResamplers.Triangle }));
        return ImageIO.FromImageSharp(img);
    }

    /// <summary>ITU-R 601-2 luma with PIL's integer rounding: (R·19595 + G·38470 + B·7471 + 32768) » 16 (exact for gray pixels).</summary>
    public static byte Luma(byte r, byte g, byte b) => (byte)((r * 19595 + g * 38470 + b * 7471 + 32768) >> 16);

    /// <summary>
    /// Writes the normalised C×H×W planes of an already-fitted picture into <paramref name="dst"/>
    /// (length channels·height·width).
    /// </summary>
    public static void WritePlanes(RgbImage fitted, ImageInputSpec spec, Span<float> dst)
    {
        if (fitted.Width != spec.Width || fitted.Height != spec.Height)
            throw new ArgumentException($"picture is {fitted.Width}x{fitted.Height}, the input needs {spec.Width}x{spec.Height}; call Fit first");
        int plane = spec.Width * spec.Height, C = spec.Channels;
        if (dst.Length != C * plane) throw new ArgumentException($"destination holds {dst.Length} floats, needs {C * plane}");
        var px = fitted.Pixels;
        float scale = spec.Scale;
        for (int c = 0; c < C; c++)
        {
            float mean = spec.Mean[c], std = spec.Std[c];
            // Which RGB byte feeds channel c: BGR reverses the order.
            int src = spec.Color == ColorMode.Bgr ? 2 - c : c;
            for (int i = 0; i < plane; i++)
            {
                byte v = spec.Color == ColorMode.Gray ? Luma(px[3 * i], px[3 * i + 1], px[3 * i + 2]) : px[3 * i + src];
                float x = v / scale;
                dst[c * plane + i] = (x - mean) / std;
            }
        }
    }

    /// <summary>Stacks fitted pictures into one float32 [N, C, H, W] tensor.</summary>
    public static Tensor ToTensor(IReadOnlyList<RgbImage> fitted, ImageInputSpec spec)
    {
        int per = spec.Channels * spec.Width * spec.Height;
        var data = new float[fitted.Count * per];
        for (int n = 0; n < fitted.Count; n++) WritePlanes(fitted[n], spec, data.AsSpan(n * per, per));
        return Tensor.FromFloats([fitted.Count, spec.Channels, spec.Height, spec.Width], data);
    }

    /// <summary>Loads, fits and normalises one file: [1, C, H, W] plus the source picture and geometry.</summary>
    public static (Tensor Tensor, RgbImage Source, ImageGeometry Geometry) LoadTensor(string path, ImageInputSpec spec, ImageLimits? limits = null)
    {
        var src = ImageIO.Load(path, limits);
        var (fitted, geo) = Fit(src, spec);
        return (ToTensor([fitted], spec), src, geo);
    }
}

/// <summary>Turns output tensors back into pictures.</summary>
public static class Postprocessing
{
    /// <summary>
    /// Image <paramref name="n"/> of an [N, C, H, W] tensor (C = 1 gray, 3 RGB) with values in
    /// [<paramref name="lo"/>, <paramref name="hi"/>]: byte = round((x − lo) / (hi − lo) · 255), clamped.
    /// </summary>
    public static RgbImage FromRange(Tensor t, int n, float lo, float hi, ColorMode color = ColorMode.Rgb)
    {
        Check(t, n);
        double k = 255.0 / (hi - lo);
        return Convert(t, n, color, (c, x) => (x - lo) * k);
    }

    /// <summary>Image <paramref name="n"/> of a tensor normalised as <paramref name="spec"/> says: byte = (x · std + mean) · scale.</summary>
    public static RgbImage Denormalize(Tensor t, int n, ImageInputSpec spec)
    {
        Check(t, n);
        if (t.Shape[1] != spec.Channels) throw new InputException($"output has {t.Shape[1]} channels, the input spec has {spec.Channels}");
        return Convert(t, n, spec.Color, (c, x) => ((double)x * spec.Std[c] + spec.Mean[c]) * spec.Scale);
    }

    /// <summary>Rounds to the nearest byte, clamping to 0..255 (NaN becomes 0).</summary>
    public static byte ToByte(double v) => double.IsNaN(v) ? (byte)0 : (byte)Math.Clamp(Math.Round(v, MidpointRounding.AwayFromZero), 0, 255);

    private static void Check(Tensor t, int n)
    {
        if (t.Type != DataType.Float32 || t.Rank != 4 || (t.Shape[1] != 1 && t.Shape[1] != 3))
            throw new InputException($"expected an image tensor float32[N,1|3,H,W], got {t.Describe()}");
        if ((uint)n >= (uint)t.Shape[0]) throw new ArgumentOutOfRangeException(nameof(n), $"image {n} of a batch of {t.Shape[0]}");
    }

    private static RgbImage Convert(Tensor t, int n, ColorMode color, Func<int, float, double> toByte)
    {
        int C = t.Shape[1], H = t.Shape[2], W = t.Shape[3], plane = H * W;
        var f = t.Floats.Slice(n * C * plane, C * plane);
        var img = new RgbImage(W, H);
        var px = img.Pixels;
        for (int i = 0; i < plane; i++)
        {
            if (C == 1)
            {
                byte v = ToByte(toByte(0, f[i]));
                px[3 * i] = px[3 * i + 1] = px[3 * i + 2] = v;
            }
            else
            {
                for (int c = 0; c < 3; c++)
                {
                    int dstC = color == ColorMode.Bgr ? 2 - c : c;
                    px[3 * i + dstC] = ToByte(toByte(c, f[c * plane + i]));
                }
            }
        }
        return img;
    }
}
