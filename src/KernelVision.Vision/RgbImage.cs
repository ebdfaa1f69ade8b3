namespace KernelVision.Vision;

/// <summary>
/// An 8-bit RGB picture as a plain byte array (row-major, 3 bytes per pixel). The Vision library
/// draws boxes, text and grids on these rows itself (no drawing package), and converts to and from
/// ImageSharp only at load and save.
/// </summary>
public sealed class RgbImage
{
    /// <summary>Width in pixels.</summary>
    public int Width { get; }
    /// <summary>Height in pixels.</summary>
    public int Height { get; }
    /// <summary>Pixels: R, G, B of (x, y) at 3·(y·Width + x).</summary>
    public byte[] Pixels { get; }

    /// <summary>A new image filled with <paramref name="fill"/>.</summary>
    public RgbImage(int width, int height, Rgb fill = default)
    {
        if (width < 1 || height < 1) throw new ArgumentOutOfRangeException(nameof(width), $"image size must be positive, got {width}x{height}");
        if ((long)width * height > int.MaxValue / 3) throw new ArgumentOutOfRangeException(nameof(width), $"image {width}x{height} is too large");
        Width = width;
        Height = height;
        Pixels = new byte[width * height * 3];
        if (fill != default) Fill(fill);
    }

    /// <summary>Wraps existing pixels (not copied).</summary>
    public RgbImage(int width, int height, byte[] pixels)
    {
        if (pixels.Length != width * height * 3) throw new ArgumentException($"{width}x{height} RGB needs {width * height * 3} bytes, got {pixels.Length}");
        Width = width;
        Height = height;
        Pixels = pixels;
    }

    /// <summary>Colour of pixel (x, y).</summary>
    public Rgb this[int x, int y]
    {
        get { int i = 3 * (y * Width + x); return new Rgb(Pixels[i], Pixels[i + 1], Pixels[i + 2]); }
        set { int i = 3 * (y * Width + x); Pixels[i] = value.R; Pixels[i + 1] = value.G; Pixels[i + 2] = value.B; }
    }

    /// <summary>Sets (x, y) if it lies inside the image (drawing clips silently).</summary>
    public void Set(int x, int y, Rgb c)
    {
        if ((uint)x < (uint)Width && (uint)y < (uint)Height) this[x, y] = c;
    }

    /// <summary>Fills the whole image.</summary>
    public void Fill(Rgb c) => FillRect(0, 0, Width, Height, c);

    /// <summary>Fills the rectangle [x, x+w) × [y, y+h), clipped to the image.</summary>
    public void FillRect(int x, int y, int w, int h, Rgb c)
    {
        int x0 = Math.Max(0, x), y0 = Math.Max(0, y), x1 = Math.Min(Width, x + w), y1 = Math.Min(Height, y + h);
        for (int yy = y0; yy < y1; yy++)
            for (int xx = x0; xx < x1; xx++) this[xx, yy] = c;
    }

    /// <summary>Outlines the rectangle [x0, x1] × [y0, y1] (inclusive) with lines <paramref name="thickness"/> pixels wide, drawn inwards.</summary>
    public void DrawRect(int x0, int y0, int x1, int y1, Rgb c, int thickness = 1)
    {
        for (int t = 0; t < thickness; t++)
        {
            int ax = x0 + t, ay = y0 + t, bx = x1 - t, by = y1 - t;
            if (ax > bx || ay > by) break;
            for (int x = ax; x <= bx; x++) { Set(x, ay, c); Set(x, by, c); }
            for (int y = ay; y <= by; y++) { Set(ax, y, c); Set(bx, y, c); }
        }
    }

    /// <summary>Copies <paramref name="src"/> with its top-left corner at (x, y), clipped.</summary>
    public void Paste(RgbImage src, int x, int y)
    {
        for (int sy = 0; sy < src.Height; sy++)
        {
            int dy = y + sy;
            if ((uint)dy >= (uint)Height) continue;
            int sx0 = Math.Max(0, -x), sx1 = Math.Min(src.Width, Width - x);
            if (sx1 <= sx0) continue;
            Buffer.BlockCopy(src.Pixels, 3 * (sy * src.Width + sx0), Pixels, 3 * (dy * Width + x + sx0), 3 * (sx1 - sx0));
        }
    }

    /// <summary>A copy enlarged <paramref name="factor"/> times with nearest-neighbour (keeps small images crisp).</summary>
    public RgbImage Zoom(int factor)
    {
        if (factor < 1) throw new ArgumentOutOfRangeException(nameof(factor), "zoom factor must be at least 1");
        if (factor == 1) return Clone();
        var r = new RgbImage(Width * factor, Height * factor);
        for (int y = 0; y < r.Height; y++)
            for (int x = 0; x < r.Width; x++) r[x, y] = this[x / factor, y / factor];
        return r;
    }

    /// <summary>A deep copy.</summary>
    /// <summary>The w×h region whose top-left corner is (x, y); it must lie inside the image.</summary>
    public RgbImage Crop(int x, int y, int w, int h)
    {
        if (x < 0 || y < 0 || w < 1 || h < 1 || x + w > Width || y + h > Height)
            throw new ArgumentOutOfRangeException(nameof(x), $"crop {x},{y},{w}x{h} is outside the {Width}x{Height} image");
        var r = new RgbImage(w, h);
        for (int row = 0; row < h; row++)
            Array.Copy(Pixels, 3 * ((y + row) * Width + x), r.Pixels, 3 * row * w, 3 * w);
        return r;
    }

    /// <summary>A copy.</summary>
    public RgbImage Clone() => new(Width, Height, (byte[])Pixels.Clone());

    /// <summary>
    /// Lays <paramref name="tiles"/> out in rows of <paramref name="columns"/>, <paramref name="gap"/>
    /// pixels apart (and around), on <paramref name="background"/>. Cells take the largest tile's size.
    /// </summary>
    public static RgbImage Grid(IReadOnlyList<RgbImage> tiles, int columns, int gap = 2, Rgb background = default)
    {
        if (tiles.Count == 0) throw new ArgumentException("a grid needs at least one tile");
        columns = Math.Clamp(columns, 1, tiles.Count);
        int rows = (tiles.Count + columns - 1) / columns;
        int cw = tiles.Max(t => t.Width), ch = tiles.Max(t => t.Height);
        var g = new RgbImage(columns * cw + (columns + 1) * gap, rows * ch + (rows + 1) * gap, background);
        for (int i = 0; i < tiles.Count; i++)
        {
            int col = i % columns, row = i / columns;
            g.Paste(tiles[i], gap + col * (cw + gap), gap + row * (ch + gap));
        }
        return g;
    }
}

/// <summary>An 8-bit RGB colour.</summary>
public readonly record struct Rgb(byte R, byte G, byte B)
{
    /// <summary>Black.</summary>
    public static Rgb Black => new(0, 0, 0);
    /// <summary>White.</summary>
    public static Rgb White => new(255, 255, 255);
    /// <summary>A grey level.</summary>
    public static Rgb Gray(byte v) => new(v, v, v);

    /// <summary>Distinct colours for classes (Tableau 10), repeated for more classes.</summary>
    public static Rgb ForClass(int index) => Palette[((index % Palette.Length) + Palette.Length) % Palette.Length];

    private static readonly Rgb[] Palette =
    [
        new(31, 119, 180), new(255, 127, 14), new(44, 160, 44), new(214, 39, 40), new(148, 103, 189),
        new(140, 86, 75), new(227, 119, 194), new(127, 127, 127), new(188, 189, 34), new(23, 190, 207),
    ];
}
