using System.Buffers.Binary;
using System.IO.Compression;
using System.Text;

namespace KernelVision.Vision.Tests.Fuzzing;

/// <summary>
/// Hand-made hostile image files, each a known attack on decoders: headers declaring huge sizes,
/// decompression bombs (a few KB that inflate to hundreds of MB), thousands of GIF frames, a JPEG
/// whose scans are repeated to cost minutes of work, lying offsets and counts, wrong magic. Built from
/// the valid seeds by patching the fields each format keeps its sizes in.
/// </summary>
public static class CraftedImages
{
    /// <summary>A crafted case: file name (its extension matters to nothing but the reader) and bytes.</summary>
    public sealed record Case(string Name, byte[] Bytes);

    /// <summary>Every crafted case, given the seed files by name.</summary>
    public static IEnumerable<Case> All(IReadOnlyDictionary<string, byte[]> seeds)
    {
        // Sizes declared in headers, far over any limit: refused before a pixel is decoded.
        yield return new("png-100000x100000.png", Png(100_000, 100_000, colorType: 2, idat: Zlib(new byte[16])));
        yield return new("png-1x2147483647.png", Png(1, int.MaxValue, colorType: 0, idat: Zlib(new byte[16])));
        yield return new("jpeg-sof-65500x65500.jpg", PatchJpegSize(seeds["baseline-420.jpg"], 65500, 65500));
        yield return new("bmp-1000000x1000000.bmp", PatchBmp(seeds["rgb24.bmp"], 1_000_000, 1_000_000));
        yield return new("bmp-height-int-min.bmp", PatchBmp(seeds["rgb24.bmp"], 37, int.MinValue));
        yield return new("bmp-negative-width.bmp", PatchBmp(seeds["rgb24.bmp"], -37, 23));
        yield return new("tiff-1000000x1000000.tif", PatchTiff(seeds["raw.tif"], (256, 1_000_000), (257, 1_000_000)));
        yield return new("tiff-strip-bytes-4g.tif", PatchTiff(seeds["raw.tif"], (279, uint.MaxValue)));
        yield return new("tiff-strip-offset-past-end.tif", PatchTiff(seeds["raw.tif"], (273, 0x7FFFFFF0)));
        yield return new("tiff-lzw-strip-offset-past-end.tif", PatchTiff(seeds["lzw.tif"], (273, 0x7FFFFFF0)));
        yield return new("webp-vp8l-16384x16384.webp", PatchVp8l(seeds["lossless.webp"]));
        yield return new("webp-vp8x-canvas-16m.webp", PatchVp8xCanvas(seeds["animated.webp"]));
        yield return new("gif-screen-65535x65535.gif", PatchGifScreen(seeds["animated.gif"], 65535, 65535));

        // Decompression bombs: tiny files, huge inflated size. Over the pixel limit they are refused;
        // under it they decode within memory proportional to the limit.
        yield return new("png-bomb-10000x10000.png", PngBomb(10_000, 10_000));
        yield return new("png-bomb-7900x7900.png", PngBomb(7_900, 7_900));
        yield return new("png-bomb-2000x2000.png", PngBomb(2_000, 2_000));
        yield return new("gif-3000-frames-256x256.gif", ManyFrameGif(3000, 256));
        yield return new("tiff-deflate-bomb.tif", PatchTiff(seeds["deflate.tif"], (256, 60_000), (257, 60_000)));

        // Work bombs: a progressive JPEG declaring 3000x3000 whose scans are repeated hundreds of times.
        yield return new("jpeg-progressive-500-scans.jpg", RepeatScans(PatchJpegSize(seeds["progressive-444.jpg"], 3000, 3000), 500));

        // Wrong or missing magic, and not images at all.
        yield return new("png-named-jpg.jpg", seeds["rgb.png"]);
        yield return new("jpeg-with-gif-magic.jpg", WithPrefix(seeds["baseline-420.jpg"], "GIF89a"u8));
        yield return new("png-signature-only.png", seeds["rgb.png"][..8]);
        yield return new("text.png", Encoding.ASCII.GetBytes("this is not an image\n"));
        yield return new("zeros.bmp", new byte[4096]);
        yield return new("one-byte.gif", [0x47]);
        yield return new("riff-not-webp.webp", WithPrefix(seeds["lossy.webp"], "RIFF\0\0\0\0WAVE"u8));
    }

    /// <summary>A PNG with one IHDR (8-bit samples), one IDAT and IEND, all CRCs correct.</summary>
    public static byte[] Png(int width, int height, byte colorType, byte[] idat)
    {
        var ms = new MemoryStream();
        ms.Write([0x89, (byte)'P', (byte)'N', (byte)'G', 0x0D, 0x0A, 0x1A, 0x0A]);
        var ihdr = new byte[13];
        BinaryPrimitives.WriteInt32BigEndian(ihdr, width);
        BinaryPrimitives.WriteInt32BigEndian(ihdr.AsSpan(4), height);
        ihdr[8] = 8;
        ihdr[9] = colorType;
        Chunk(ms, "IHDR", ihdr);
        Chunk(ms, "IDAT", idat);
        Chunk(ms, "IEND", []);
        var png = ms.ToArray();
        ImageMutator.FixPngCrcs(png);
        return png;
    }

    /// <summary>A grayscale PNG of all-zero rows: (width+1)·height bytes inflated from a few KB.</summary>
    public static byte[] PngBomb(int width, int height)
    {
        var raw = new MemoryStream();
        using (var z = new ZLibStream(raw, CompressionLevel.SmallestSize, leaveOpen: true))
        {
            var row = new byte[width + 1]; // filter byte 0, then zeros
            for (int y = 0; y < height; y++) z.Write(row);
        }
        return Png(width, height, colorType: 0, raw.ToArray());
    }

    private static byte[] Zlib(byte[] data)
    {
        var ms = new MemoryStream();
        using (var z = new ZLibStream(ms, CompressionLevel.Fastest, leaveOpen: true)) z.Write(data);
        return ms.ToArray();
    }

    private static void Chunk(Stream s, string type, byte[] data)
    {
        Span<byte> len = stackalloc byte[4];
        BinaryPrimitives.WriteInt32BigEndian(len, data.Length);
        s.Write(len);
        var body = Encoding.ASCII.GetBytes(type).Concat(data).ToArray();
        s.Write(body);
        s.Write(new byte[4]); // the CRC, filled in by FixPngCrcs over the whole file
    }

    /// <summary>Rewrites the frame size in every SOFn segment.</summary>
    public static byte[] PatchJpegSize(byte[] jpeg, int width, int height)
    {
        var b = (byte[])jpeg.Clone();
        for (int i = 2; i + 9 < b.Length;)
        {
            if (b[i] != 0xFF) { i++; continue; }
            byte marker = b[i + 1];
            if (marker == 0xDA || marker == 0xD9) break; // entropy-coded data follows
            int len = BinaryPrimitives.ReadUInt16BigEndian(b.AsSpan(i + 2));
            if (marker is >= 0xC0 and <= 0xCF and not 0xC4 and not 0xC8 and not 0xCC)
            {
                BinaryPrimitives.WriteUInt16BigEndian(b.AsSpan(i + 5), (ushort)height);
                BinaryPrimitives.WriteUInt16BigEndian(b.AsSpan(i + 7), (ushort)width);
            }
            i += 2 + len;
        }
        return b;
    }

    /// <summary>
    /// Repeats the last scan (SOS segment and its entropy-coded data) of a progressive JPEG
    /// <paramref name="times"/> times before EOI: every scan is another pass over all the blocks.
    /// </summary>
    public static byte[] RepeatScans(byte[] jpeg, int times)
    {
        int lastSos = -1;
        for (int i = 0; i + 1 < jpeg.Length; i++)
            if (jpeg[i] == 0xFF && jpeg[i + 1] == 0xDA) lastSos = i;
        int eoi = jpeg.Length - 2;
        if (lastSos < 0 || jpeg[eoi] != 0xFF || jpeg[eoi + 1] != 0xD9) throw new InvalidOperationException("not a JPEG with scans");
        var scan = jpeg[lastSos..eoi];
        var ms = new MemoryStream();
        ms.Write(jpeg, 0, eoi);
        for (int t = 0; t < times; t++) ms.Write(scan);
        ms.Write([0xFF, 0xD9]);
        return ms.ToArray();
    }

    /// <summary>BITMAPINFOHEADER width and height (offsets 18 and 22).</summary>
    public static byte[] PatchBmp(byte[] bmp, int width, int height)
    {
        var b = (byte[])bmp.Clone();
        BinaryPrimitives.WriteInt32LittleEndian(b.AsSpan(18), width);
        BinaryPrimitives.WriteInt32LittleEndian(b.AsSpan(22), height);
        return b;
    }

    /// <summary>Sets tags of the first IFD of a little-endian TIFF to LONG values.</summary>
    public static byte[] PatchTiff(byte[] tiff, params (int Tag, uint Value)[] values)
    {
        var b = (byte[])tiff.Clone();
        if (b[0] != 'I') throw new InvalidOperationException("expects a little-endian TIFF");
        int ifd = BinaryPrimitives.ReadInt32LittleEndian(b.AsSpan(4));
        int n = BinaryPrimitives.ReadUInt16LittleEndian(b.AsSpan(ifd));
        for (int e = 0; e < n; e++)
        {
            int at = ifd + 2 + 12 * e;
            int tag = BinaryPrimitives.ReadUInt16LittleEndian(b.AsSpan(at));
            foreach (var (t, v) in values)
            {
                if (t != tag) continue;
                BinaryPrimitives.WriteUInt16LittleEndian(b.AsSpan(at + 2), 4); // LONG
                BinaryPrimitives.WriteUInt32LittleEndian(b.AsSpan(at + 4), 1);
                BinaryPrimitives.WriteUInt32LittleEndian(b.AsSpan(at + 8), v);
            }
        }
        return b;
    }

    /// <summary>A lossless WebP whose VP8L header declares the largest size, 16384x16384.</summary>
    public static byte[] PatchVp8l(byte[] webp)
    {
        var b = (byte[])webp.Clone();
        int at = IndexOf(b, "VP8L"u8);
        if (at < 0) throw new InvalidOperationException("no VP8L chunk");
        // After the chunk header and the 0x2F signature: 14 bits width-1, 14 bits height-1, alpha, version.
        uint bits = 0x3FFF | (0x3FFFu << 14) | (1u << 28);
        BinaryPrimitives.WriteUInt32LittleEndian(b.AsSpan(at + 9), bits);
        return b;
    }

    /// <summary>An extended WebP whose VP8X canvas is 2^24 x 2^24.</summary>
    public static byte[] PatchVp8xCanvas(byte[] webp)
    {
        var b = (byte[])webp.Clone();
        int at = IndexOf(b, "VP8X"u8);
        if (at < 0) throw new InvalidOperationException("no VP8X chunk");
        for (int k = 0; k < 6; k++) b[at + 12 + k] = 0xFF; // 24-bit width-1 and height-1
        return b;
    }

    /// <summary>The GIF logical screen size (offset 6).</summary>
    public static byte[] PatchGifScreen(byte[] gif, int width, int height)
    {
        var b = (byte[])gif.Clone();
        BinaryPrimitives.WriteUInt16LittleEndian(b.AsSpan(6), (ushort)width);
        BinaryPrimitives.WriteUInt16LittleEndian(b.AsSpan(8), (ushort)height);
        return b;
    }

    /// <summary>
    /// A GIF of <paramref name="frames"/> full-screen frames of <paramref name="size"/>² pixels, each an
    /// LZW stream of clear codes and one colour: ~frames·size²/40 bytes that decode to frames·size²·4.
    /// </summary>
    public static byte[] ManyFrameGif(int frames, int size)
    {
        var ms = new MemoryStream();
        ms.Write("GIF89a"u8);
        Span<byte> lsd = stackalloc byte[7];
        BinaryPrimitives.WriteUInt16LittleEndian(lsd, (ushort)size);
        BinaryPrimitives.WriteUInt16LittleEndian(lsd[2..], (ushort)size);
        lsd[4] = 0x80; // global colour table of 2 entries
        ms.Write(lsd);
        ms.Write([0, 0, 0, 255, 255, 255]);
        var lzw = LzwSingleColour(size * size);
        Span<byte> desc = stackalloc byte[9];
        BinaryPrimitives.WriteUInt16LittleEndian(desc[4..], (ushort)size);
        BinaryPrimitives.WriteUInt16LittleEndian(desc[6..], (ushort)size);
        for (int f = 0; f < frames; f++)
        {
            ms.Write([0x21, 0xF9, 4, 0, 1, 0, 0, 0]); // graphic control: 1/100 s
            ms.WriteByte(0x2C);
            ms.Write(desc);
            ms.WriteByte(2); // LZW minimum code size
            for (int i = 0; i < lzw.Length; i += 255)
            {
                int n = Math.Min(255, lzw.Length - i);
                ms.WriteByte((byte)n);
                ms.Write(lzw, i, n);
            }
            ms.WriteByte(0);
        }
        ms.WriteByte(0x3B);
        return ms.ToArray();
    }

    /// <summary>
    /// GIF LZW (minimum code size 2) of <paramref name="pixels"/> pixels of colour 0: a textbook encoder,
    /// so a run of n pixels costs about √(2n) codes — the bomb's compression.
    /// </summary>
    private static byte[] LzwSingleColour(int pixels)
    {
        const int clear = 4, end = 5;
        var output = new List<byte>();
        int acc = 0, nacc = 0, width = 3, next = 6;
        void Put(int code)
        {
            acc |= code << nacc;
            nacc += width;
            while (nacc >= 8) { output.Add((byte)acc); acc >>= 8; nacc -= 8; }
        }
        // For a constant input the dictionary is a chain: code for "0" x k is known for k up to the
        // longest run added so far; (prefix code, next pixel) -> code.
        var table = new Dictionary<(int, int), int>();
        Put(clear);
        int current = 0; // the string "0" is the root code 0
        for (int p = 1; p < pixels; p++)
        {
            if (table.TryGetValue((current, 0), out int longer)) { current = longer; continue; }
            Put(current);
            if (next < 4096)
            {
                table[(current, 0)] = next++;
                if (next > (1 << width) && width < 12) width++;
            }
            else { Put(clear); table.Clear(); next = 6; width = 3; }
            current = 0;
        }
        Put(current);
        Put(end);
        if (nacc > 0) output.Add((byte)acc);
        return [.. output];
    }

    private static byte[] WithPrefix(byte[] data, ReadOnlySpan<byte> prefix)
    {
        var b = (byte[])data.Clone();
        prefix.CopyTo(b);
        return b;
    }

    private static int IndexOf(byte[] haystack, ReadOnlySpan<byte> needle) => haystack.AsSpan().IndexOf(needle);
}
