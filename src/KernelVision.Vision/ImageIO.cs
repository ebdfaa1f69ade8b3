using SixLabors.ImageSharp;
using SixLabors.ImageSharp.Formats.Bmp;
using SixLabors.ImageSharp.Formats.Gif;
using SixLabors.ImageSharp.Formats.Jpeg;
using SixLabors.ImageSharp.Formats.Pbm;
using SixLabors.ImageSharp.Formats.Png;
using SixLabors.ImageSharp.Formats.Tga;
using SixLabors.ImageSharp.Formats.Tiff;
using SixLabors.ImageSharp.Formats.Webp;
using SixLabors.ImageSharp.Memory;
using SixLabors.ImageSharp.Metadata;
using SixLabors.ImageSharp.PixelFormats;

namespace KernelVision.Vision;

/// <summary>Bounds checked before an image is decoded, against decompression bombs and absurd files.</summary>
public sealed record ImageLimits
{
    /// <summary>Largest width·height accepted (default 64 megapixels, e.g. 8000×8000).</summary>
    public long MaxPixels { get; init; } = 64_000_000;
    /// <summary>Largest file accepted, in bytes (default 256 MiB).</summary>
    public long MaxFileBytes { get; init; } = 256L << 20;
    /// <summary>Largest single buffer the decoder may allocate, in megabytes (ImageSharp's own guard).</summary>
    public int MaxAllocationMegabytes { get; init; } = 1024;
    /// <summary>
    /// Longest a decode may take (default 30 s) before it is abandoned as hostile: a small file can
    /// still cost much work (a progressive JPEG with thousands of scans). ImageSharp checks the
    /// cancellation between markers, chunks and rows.
    /// </summary>
    public TimeSpan MaxDecodeTime { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>The defaults.</summary>
    public static ImageLimits Default { get; } = new();
}

/// <summary>
/// Reading and writing pictures with ImageSharp (any format it reads: PNG, JPEG, BMP, GIF, TGA,
/// TIFF, WebP, PBM). Every failure becomes an <see cref="InputException"/> naming the file.
/// </summary>
public static class ImageIO
{
    /// <summary>File extensions treated as images when a folder is given.</summary>
    public static IReadOnlySet<string> Extensions { get; } = new HashSet<string>(StringComparer.OrdinalIgnoreCase)
    {
        ".png", ".jpg", ".jpeg", ".bmp", ".gif", ".tga", ".tif", ".tiff", ".webp", ".pbm", ".pgm", ".ppm",
    };

    /// <summary>
    /// Reads an image as 8-bit RGB (alpha dropped, gray replicated, first frame of an animation).
    /// The header is checked against <paramref name="limits"/> before any pixel is decoded.
    /// </summary>
    public static RgbImage Load(string path, ImageLimits? limits = null)
    {
        using var img = LoadImageSharp(path, limits ?? ImageLimits.Default);
        return FromImageSharp(img);
    }

    /// <summary>Reads an image from memory; <paramref name="name"/> names it in errors.</summary>
    public static RgbImage Load(byte[] data, string name, ImageLimits? limits = null)
    {
        limits ??= ImageLimits.Default;
        if (data.Length == 0) throw new InputException($"{name}: image file is empty");
        if (data.Length > limits.MaxFileBytes) throw new InputException($"{name}: image file is {data.Length:N0} bytes, over the {limits.MaxFileBytes:N0}-byte limit");
        using var img = Decode(() => new MemoryStream(data, writable: false), name, limits);
        return FromImageSharp(img);
    }

    internal static Image<Rgb24> LoadImageSharp(string path, ImageLimits limits)
    {
        FileInfo fi;
        try { fi = new FileInfo(path); }
        catch (Exception e) when (e is ArgumentException or NotSupportedException or PathTooLongException) { throw new InputException($"{path}: not a valid file path", e); }
        if (Directory.Exists(path)) throw new InputException($"{path}: is a folder, not an image file");
        if (!fi.Exists) throw new InputException($"{path}: image file not found");
        if (fi.Length == 0) throw new InputException($"{path}: image file is empty");
        if (fi.Length > limits.MaxFileBytes) throw new InputException($"{path}: image file is {fi.Length:N0} bytes, over the {limits.MaxFileBytes:N0}-byte limit");
        return Decode(() => File.OpenRead(path), path, limits);
    }

    /// <summary>
    /// Identifies, checks the header against the limits, then decodes the first frame under the time
    /// bound. Whatever the third-party decoder throws on a hostile file becomes one InputException naming
    /// it: the caller asked for an image and got a bad file, whichever decoder line noticed.
    /// </summary>
    private static Image<Rgb24> Decode(Func<Stream> open, string name, ImageLimits limits)
    {
        var config = Config(limits);
        using var cts = new CancellationTokenSource(limits.MaxDecodeTime);
        try
        {
            IImageInfo? info;
            using (var s = open()) info = Image.Identify(config, s);
            if (info is null) throw new InputException($"{name}: not an image in a format ImageSharp reads (PNG, JPEG, BMP, GIF, TGA, TIFF, WebP, PBM)");
            CheckSize(info.Width, info.Height, name, limits);
            Image<Rgb24> img;
            using (var s = open()) img = Image.LoadAsync<Rgb24>(config, s, cts.Token).GetAwaiter().GetResult();
            try { CheckSize(img.Width, img.Height, name, limits); }
            catch { img.Dispose(); throw; }
            return img;
        }
        catch (InputException) { throw; }
        catch (OperationCanceledException e) when (cts.IsCancellationRequested)
        {
            throw new InputException($"{name}: decoding took longer than {limits.MaxDecodeTime.TotalSeconds:0.#} s (refusing a file this costly)", e);
        }
        catch (Exception e) { throw Wrap(e, name); }
    }

    private static Configuration Config(ImageLimits limits)
    {
        // A configuration of our own, not Configuration.Default.Clone(): a clone shares the default's
        // ImageFormatsManager, and the decoder settings below must not leak into the caller's process.
        var c = new Configuration(new PngConfigurationModule(), new JpegConfigurationModule(), new GifConfigurationModule(),
            new BmpConfigurationModule(), new PbmConfigurationModule(), new TgaConfigurationModule(), new TiffConfigurationModule(),
            new WebpConfigurationModule());
        c.MemoryAllocator = MemoryAllocator.Create(new MemoryAllocatorOptions { AllocationLimitMegabytes = limits.MaxAllocationMegabytes });
        // Only the first frame is ever used: decoding every frame of a GIF or multi-page TIFF would let a
        // small file with thousands of frames claim gigabytes.
        c.ImageFormatsManager.SetDecoder(GifFormat.Instance, new GifDecoder { DecodingMode = FrameDecodingMode.First, MaxFrames = 1 });
        c.ImageFormatsManager.SetDecoder(TiffFormat.Instance, new TiffDecoder { DecodingMode = FrameDecodingMode.First });
        return c;
    }

    private static void CheckSize(int w, int h, string name, ImageLimits limits)
    {
        if (w <= 0 || h <= 0) throw new InputException($"{name}: image has {(w == 0 || h == 0 ? "zero" : "a negative")} size ({w}x{h})");
        long pixels = (long)w * h;
        if (pixels > limits.MaxPixels || pixels * 3 > Array.MaxLength)
            throw new InputException($"{name}: image declares {w}x{h} = {pixels:N0} pixels, over the {Math.Min(limits.MaxPixels, Array.MaxLength / 3):N0}-pixel limit (refusing to decode)");
    }

    private static InputException Wrap(Exception e, string name) => e switch
    {
        UnknownImageFormatException => new InputException($"{name}: not an image in a format ImageSharp reads (PNG, JPEG, BMP, GIF, TGA, TIFF, WebP, PBM)", e),
        InvalidMemoryOperationException or OutOfMemoryException => new InputException($"{name}: image is too large to decode ({e.Message})", e),
        FileNotFoundException or DirectoryNotFoundException => new InputException($"{name}: image file not found", e),
        UnauthorizedAccessException => new InputException($"{name}: image file cannot be read (permission denied)", e),
        ImageFormatException or InvalidImageContentException or NotSupportedException => new InputException($"{name}: cannot decode image: {e.Message}", e),
        IOException => new InputException($"{name}: cannot read image file: {e.Message}", e),
        // Anything else is the decoder failing on data it did not expect: still this file's fault.
        _ => new InputException($"{name}: cannot decode image ({e.GetType().Name} in the decoder: {e.Message})", e),
    };

    internal static RgbImage FromImageSharp(Image<Rgb24> img)
    {
        var pixels = new byte[img.Width * img.Height * 3];
        img.CopyPixelDataTo(pixels.AsSpan());
        return new RgbImage(img.Width, img.Height, pixels);
    }

    internal static Image<Rgb24> ToImageSharp(RgbImage img) => Image.LoadPixelData<Rgb24>(img.Pixels, img.Width, img.Height);

    /// <summary>Saves as PNG (folders created as needed).</summary>
    public static void SavePng(RgbImage image, string path)
    {
        EnsureFolder(path);
        using var img = ToImageSharp(image);
        img.SaveAsPng(path, new PngEncoder { ColorType = PngColorType.Rgb, BitDepth = PngBitDepth.Bit8 });
    }

    /// <summary>
    /// Saves frames as an animated GIF (256-colour palette per frame), each shown for
    /// <paramref name="delayMs"/> milliseconds, looping forever. Frames must share one size.
    /// </summary>
    public static void SaveGif(IReadOnlyList<RgbImage> frames, string path, int delayMs = 100)
    {
        if (frames.Count == 0) throw new ArgumentException("a GIF needs at least one frame");
        if (frames.Any(f => f.Width != frames[0].Width || f.Height != frames[0].Height))
            throw new ArgumentException("GIF frames must all have the same size");
        EnsureFolder(path);
        using var gif = ToImageSharp(frames[0]);
        gif.Metadata.GetGifMetadata().RepeatCount = 0;
        int delay = Math.Max(1, (delayMs + 5) / 10); // GIF delays are in 1/100 s
        gif.Frames.RootFrame.Metadata.GetGifMetadata().FrameDelay = delay;
        for (int i = 1; i < frames.Count; i++)
        {
            using var f = ToImageSharp(frames[i]);
            var added = gif.Frames.AddFrame(f.Frames.RootFrame);
            added.Metadata.GetGifMetadata().FrameDelay = delay;
        }
        gif.SaveAsGif(path, new GifEncoder { ColorTableMode = GifColorTableMode.Local });
    }

    /// <summary>Extensions <see cref="Save"/> writes, each in its own format.</summary>
    public static IReadOnlyList<string> SaveExtensions { get; } = [".png", ".jpg", ".jpeg", ".webp", ".bmp", ".gif"];

    /// <summary>Checks that <see cref="Save"/> can write <paramref name="path"/> (by extension) before any work is done; <paramref name="option"/> names it in the error.</summary>
    public static void CheckSaveFormat(string path, string option)
    {
        if (!SaveExtensions.Contains(Path.GetExtension(path).ToLowerInvariant()))
            throw new InputException($"{option} {path}: cannot tell the image format from '{Path.GetExtension(path)}' (use {string.Join(", ", SaveExtensions)})");
    }

    /// <summary>
    /// Saves in the format the extension names: .png, .jpg/.jpeg (quality 90), .webp (lossless),
    /// .bmp, .gif (one frame); another extension is an <see cref="InputException"/>. Folders are created.
    /// </summary>
    public static void Save(RgbImage image, string path)
    {
        CheckSaveFormat(path, "output");
        switch (Path.GetExtension(path).ToLowerInvariant())
        {
            case ".gif": SaveGif([image], path); return;
            case ".png": SavePng(image, path); return;
        }
        EnsureFolder(path);
        using var img = ToImageSharp(image);
        // Fully qualified: the using list at the top belongs to the loading code.
        SixLabors.ImageSharp.Formats.IImageEncoder encoder = Path.GetExtension(path).ToLowerInvariant() switch
        {
            ".webp" => new SixLabors.ImageSharp.Formats.Webp.WebpEncoder { FileFormat = SixLabors.ImageSharp.Formats.Webp.WebpFileFormatType.Lossless },
            ".bmp" => new SixLabors.ImageSharp.Formats.Bmp.BmpEncoder { BitsPerPixel = SixLabors.ImageSharp.Formats.Bmp.BmpBitsPerPixel.Pixel24 },
            _ => new SixLabors.ImageSharp.Formats.Jpeg.JpegEncoder { Quality = 90 },
        };
        img.Save(path, encoder);
    }

    private static void EnsureFolder(string path)
    {
        string? dir = Path.GetDirectoryName(Path.GetFullPath(path));
        if (!string.IsNullOrEmpty(dir)) Directory.CreateDirectory(dir);
    }

    /// <summary>
    /// Expands arguments into image files: a file stays as given, a folder contributes its image files
    /// (by extension, recursively, sorted by path). A missing path is an error naming it.
    /// </summary>
    public static List<string> ExpandInputs(IEnumerable<string> paths)
    {
        var files = new List<string>();
        foreach (var p in paths)
        {
            if (Directory.Exists(p))
            {
                var found = Directory.EnumerateFiles(p, "*", SearchOption.AllDirectories)
                    .Where(f => Extensions.Contains(Path.GetExtension(f)))
                    .OrderBy(f => f, StringComparer.Ordinal).ToList();
                if (found.Count == 0) throw new InputException($"{p}: folder holds no image files ({string.Join(", ", Extensions.Order())})");
                files.AddRange(found);
            }
            else if (File.Exists(p)) files.Add(p);
            else throw new InputException($"{p}: no such file or folder");
        }
        return files;
    }
}
