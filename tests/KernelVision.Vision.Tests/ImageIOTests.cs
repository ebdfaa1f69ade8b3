using System.Buffers.Binary;
using System.Text;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.Formats.Gif;
using SixLabors.ImageSharp.PixelFormats;
using Xunit;

namespace KernelVision.Vision.Tests;

public class ImageIOTests
{
    /// <summary>A PNG made of the signature, an IHDR declaring <paramref name="w"/>×<paramref name="h"/> RGB, and IEND (no pixel data).</summary>
    internal static byte[] PngHeaderOnly(uint w, uint h)
    {
        var ms = new MemoryStream();
        ms.Write([0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]);
        var ihdr = new byte[13];
        BinaryPrimitives.WriteUInt32BigEndian(ihdr, w);
        BinaryPrimitives.WriteUInt32BigEndian(ihdr.AsSpan(4), h);
        ihdr[8] = 8;  // bit depth
        ihdr[9] = 2;  // colour type RGB
        Chunk(ms, "IHDR", ihdr);
        Chunk(ms, "IEND", []);
        return ms.ToArray();
    }

    private static void Chunk(Stream s, string type, byte[] data)
    {
        var len = new byte[4];
        BinaryPrimitives.WriteUInt32BigEndian(len, (uint)data.Length);
        s.Write(len);
        var td = Encoding.ASCII.GetBytes(type).Concat(data).ToArray();
        s.Write(td);
        var crc = new byte[4];
        BinaryPrimitives.WriteUInt32BigEndian(crc, Crc32(td));
        s.Write(crc);
    }

    private static uint Crc32(byte[] data)
    {
        uint c = 0xFFFFFFFF;
        foreach (var b in data)
        {
            c ^= b;
            for (int k = 0; k < 8; k++) c = (c & 1) != 0 ? 0xEDB88320 ^ (c >> 1) : c >> 1;
        }
        return ~c;
    }

    [Fact]
    public void CorruptFileIsAnInputErrorNamingTheFile()
    {
        using var t = new TinyModels();
        string p = t.Path("corrupt.png");
        File.WriteAllText(p, "this is not a picture at all");
        var e = Assert.Throws<InputException>(() => ImageIO.Load(p));
        Assert.StartsWith(p + ": ", e.Message);
    }

    [Fact]
    public void EmptyFileIsAnInputError()
    {
        using var t = new TinyModels();
        string p = t.Path("empty.jpg");
        File.WriteAllBytes(p, []);
        var e = Assert.Throws<InputException>(() => ImageIO.Load(p));
        Assert.Contains(p, e.Message);
        Assert.Contains("empty", e.Message);
    }

    [Fact]
    public void MissingFileAndFolderAreInputErrors()
    {
        using var t = new TinyModels();
        Assert.Contains("not found", Assert.Throws<InputException>(() => ImageIO.Load(t.Path("nope.png"))).Message);
        Assert.Contains("folder", Assert.Throws<InputException>(() => ImageIO.Load(t.Root)).Message);
    }

    [Fact]
    public void TruncatedPngIsAnInputError()
    {
        using var t = new TinyModels();
        var img = new RgbImage(32, 32);
        var rng = new Random(5);
        rng.NextBytes(img.Pixels);
        string p = t.Path("full.png");
        ImageIO.SavePng(img, p);
        var bytes = File.ReadAllBytes(p);
        string cut = t.Path("cut.png");
        File.WriteAllBytes(cut, bytes[..(bytes.Length / 2)]);
        var e = Assert.Throws<InputException>(() => ImageIO.Load(cut));
        Assert.Contains(cut, e.Message);
    }

    [Fact]
    public void HugeDeclaredDimensionsAreRefusedBeforeDecoding()
    {
        using var t = new TinyModels();
        string p = t.Path("bomb.png");
        File.WriteAllBytes(p, PngHeaderOnly(100_000, 100_000));
        var e = Assert.Throws<InputException>(() => ImageIO.Load(p));
        Assert.Contains(p, e.Message);
        Assert.Contains("100000x100000", e.Message);
        Assert.Contains("limit", e.Message);
        // A lower limit applies too.
        string small = t.Path("small.png");
        ImageIO.SavePng(new RgbImage(20, 20), small);
        Assert.Contains("limit", Assert.Throws<InputException>(() => ImageIO.Load(small, new ImageLimits { MaxPixels = 399 })).Message);
        Assert.Equal(20, ImageIO.Load(small, new ImageLimits { MaxPixels = 400 }).Width);
    }

    [Fact]
    public void ZeroSizePngIsAnInputError()
    {
        using var t = new TinyModels();
        string p = t.Path("zero.png");
        File.WriteAllBytes(p, PngHeaderOnly(0, 16));
        var e = Assert.Throws<InputException>(() => ImageIO.Load(p));
        Assert.Contains(p, e.Message);
    }

    [Fact]
    public void FileSizeLimitApplies()
    {
        using var t = new TinyModels();
        string p = t.Path("a.png");
        ImageIO.SavePng(new RgbImage(8, 8), p);
        Assert.Contains("byte limit", Assert.Throws<InputException>(() => ImageIO.Load(p, new ImageLimits { MaxFileBytes = 10 })).Message);
    }

    [Fact]
    public void PngRoundTripsExactlyAndBmpGrayAndAlphaLoad()
    {
        using var t = new TinyModels();
        var img = new RgbImage(7, 5);
        new Random(1).NextBytes(img.Pixels);
        string p = t.Path("rt.png");
        ImageIO.SavePng(img, p);
        Assert.Equal(img.Pixels, ImageIO.Load(p).Pixels);

        // Another format, gray pixels replicated to RGB.
        string bmp = t.Path("g.bmp");
        using (var g = new Image<L8>(3, 2)) { g[2, 1] = new L8(200); g.SaveAsBmp(bmp); }
        var back = ImageIO.Load(bmp);
        Assert.Equal(new Rgb(200, 200, 200), back[2, 1]);
        Assert.Equal(new Rgb(0, 0, 0), back[0, 0]);

        // Alpha is dropped, colour kept.
        string rgba = t.Path("a.png");
        using (var a = new Image<Rgba32>(1, 1)) { a[0, 0] = new Rgba32(1, 2, 3, 4); a.SaveAsPng(rgba); }
        Assert.Equal(new Rgb(1, 2, 3), ImageIO.Load(rgba)[0, 0]);
    }

    [Fact]
    public void AnimatedGifHasFramesAndDelays()
    {
        using var t = new TinyModels();
        var frames = Enumerable.Range(0, 3).Select(i => new RgbImage(4, 4, Rgb.Gray((byte)(i * 100)))).ToList();
        string p = t.Path("anim.gif");
        ImageIO.SaveGif(frames, p, 120);
        using var gif = Image.Load<Rgb24>(p);
        Assert.Equal(3, gif.Frames.Count);
        Assert.All(Enumerable.Range(0, 3), i => Assert.Equal(12, gif.Frames[i].Metadata.GetGifMetadata().FrameDelay));
        Assert.Equal(0, gif.Metadata.GetGifMetadata().RepeatCount);
        Assert.Equal(200, gif.Frames[2][1, 1].R);
        // Loading a GIF gives its first frame.
        Assert.Equal(0, ImageIO.Load(p)[0, 0].R);
        Assert.Throws<ArgumentException>(() => ImageIO.SaveGif([new RgbImage(2, 2), new RgbImage(3, 2)], t.Path("bad.gif")));
    }

    [Fact]
    public void FoldersExpandToSortedImageFiles()
    {
        using var t = new TinyModels();
        string dir = t.Path("pics");
        Directory.CreateDirectory(Path.Combine(dir, "sub"));
        ImageIO.SavePng(new RgbImage(1, 1), Path.Combine(dir, "b.png"));
        ImageIO.SavePng(new RgbImage(1, 1), Path.Combine(dir, "sub", "a.PNG"));
        File.WriteAllText(Path.Combine(dir, "notes.txt"), "x");
        var files = ImageIO.ExpandInputs([dir]);
        Assert.Equal([Path.Combine(dir, "b.png"), Path.Combine(dir, "sub", "a.PNG")], files);
        Directory.CreateDirectory(t.Path("none"));
        Assert.Contains("no image files", Assert.Throws<InputException>(() => ImageIO.ExpandInputs([t.Path("none")])).Message);
        Assert.Contains("no such file", Assert.Throws<InputException>(() => ImageIO.ExpandInputs([t.Path("ghost.png")])).Message);
    }
}
