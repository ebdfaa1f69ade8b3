using System.Globalization;
using KernelVision.Cpu.Diagnostics;
using KernelVision.Vision;

namespace KernelVision.Cli.Profiling;

/// <summary>One node on the roofline: its arithmetic intensity, achieved rate, share of the run's time and op type.</summary>
/// <param name="Intensity">FLOP per byte moved.</param>
/// <param name="Gflops">Achieved GFLOP/s.</param>
/// <param name="Share">Fraction (0..1) of the run's time; sets the dot's size.</param>
/// <param name="OpType">Op type; sets the dot's colour.</param>
public readonly record struct RooflinePoint(double Intensity, double Gflops, double Share, string OpType);

/// <summary>
/// Draws a roofline chart on an <see cref="RgbImage"/> with the built-in <see cref="BitmapFont"/>
/// (no drawing package): log-log axes with decade ticks, x = arithmetic intensity (FLOP/byte),
/// y = GFLOP/s; the bandwidth roof (slope) and the compute roof (flat) in <see cref="RoofColor"/>;
/// one dot per node, coloured by op type and sized by its share of the time.
/// </summary>
public static class RooflineChart
{
    /// <summary>Background colour.</summary>
    public static Rgb Background => Rgb.White;

    /// <summary>Colour of the two roofs (not in the op-type palette).</summary>
    public static Rgb RoofColor => new(190, 0, 0);

    private static readonly Rgb Grid = Rgb.Gray(228);
    private static readonly Rgb Ink = Rgb.Gray(30);
    private static readonly Rgb Muted = Rgb.Gray(110);

    /// <summary>Renders the chart at <paramref name="width"/>×<paramref name="height"/> pixels.</summary>
    public static RgbImage Render(MachinePeak peak, IReadOnlyList<RooflinePoint> points, int width, int height, string title)
    {
        var img = new RgbImage(width, height, Background);
        int scale = width >= 1400 ? 2 : 1;
        int lh = BitmapFont.LineHeight(scale);
        // Op types by total share (largest first) get the palette in order.
        var types = points.GroupBy(p => p.OpType).OrderByDescending(g => g.Sum(p => p.Share)).Select(g => g.Key).ToList();
        int legendW = Math.Max(BitmapFont.MeasureWidth("compute roof", scale),
            types.Count == 0 ? 0 : types.Max(t => BitmapFont.MeasureWidth(t, scale))) + 4 * lh;
        int left = BitmapFont.MeasureWidth("0.001", scale) + 3 * lh, right = legendW + 2 * lh, top = 3 * lh, bottom = 4 * lh;
        int pw = width - left - right, ph = height - top - bottom;
        if (pw < 50 || ph < 50) throw new InputException($"chart size {width}x{height} is too small");

        // Axis ranges in decades, covering every point and a decade either side of the ridge.
        var valid = points.Where(p => p.Intensity > 0 && p.Gflops > 0 && double.IsFinite(p.Intensity) && double.IsFinite(p.Gflops)).ToList();
        double ridge = peak.RidgePoint;
        double xMin = Math.Min(ridge / 10, valid.Count > 0 ? valid.Min(p => p.Intensity) : ridge / 10);
        double xMax = Math.Max(ridge * 10, valid.Count > 0 ? valid.Max(p => p.Intensity) : ridge * 10);
        int xlo = (int)Math.Floor(Math.Log10(xMin)), xhi = (int)Math.Ceiling(Math.Log10(xMax));
        int yhi = (int)Math.Ceiling(Math.Log10(peak.Gflops * 1.5));
        double yMin = Math.Min(peak.Gflops / 100, valid.Count > 0 ? valid.Min(p => p.Gflops) : peak.Gflops / 100);
        int ylo = (int)Math.Floor(Math.Log10(yMin));
        xlo = Math.Max(xlo, xhi - 8);
        ylo = Math.Max(ylo, yhi - 7);
        if (xhi <= xlo) xhi = xlo + 1;
        if (yhi <= ylo) yhi = ylo + 1;

        int X(double v) => left + (int)Math.Round((Math.Log10(v) - xlo) / (xhi - xlo) * pw);
        int Y(double v) => top + ph - (int)Math.Round((Math.Log10(v) - ylo) / (yhi - ylo) * ph);
        int Cx(int x) => Math.Clamp(x, left, left + pw);
        int Cy(int y) => Math.Clamp(y, top, top + ph);

        // Grid and decade ticks.
        for (int e = xlo; e <= xhi; e++)
        {
            int x = X(Math.Pow(10, e));
            Line(img, x, top, x, top + ph, Grid, 1);
            string label = Decade(e);
            BitmapFont.DrawText(img, x - BitmapFont.MeasureWidth(label, scale) / 2, top + ph + lh / 2 + 2, label, Ink, scale);
        }
        for (int e = ylo; e <= yhi; e++)
        {
            int y = Y(Math.Pow(10, e));
            Line(img, left, y, left + pw, y, Grid, 1);
            string label = Decade(e);
            BitmapFont.DrawText(img, left - BitmapFont.MeasureWidth(label, scale) - lh / 2 - 2, y - lh / 2, label, Ink, scale);
        }
        img.DrawRect(left, top, left + pw, top + ph, Ink);
        string xTitle = "arithmetic intensity (FLOP/byte)";
        BitmapFont.DrawText(img, left + (pw - BitmapFont.MeasureWidth(xTitle, scale)) / 2, height - lh - lh / 2, xTitle, Ink, scale);
        BitmapFont.DrawText(img, 4, top - lh - lh / 2, "GFLOP/s", Ink, scale);
        BitmapFont.DrawText(img, left + (pw - BitmapFont.MeasureWidth(title, scale)) / 2, lh / 2, title, Ink, scale);

        // Ridge (dashed), then the two roofs.
        int rx = X(ridge);
        for (int y = top; y < top + ph; y += 8) Line(img, rx, y, rx, Math.Min(y + 3, top + ph), Muted, 1);
        double slopeStart = Math.Max(Math.Pow(10, xlo), Math.Pow(10, ylo) / peak.GBps);
        Line(img, Cx(X(slopeStart)), Cy(Y(slopeStart * peak.GBps)), rx, Y(peak.Gflops), RoofColor, 2 * scale);
        Line(img, rx, Y(peak.Gflops), left + pw, Y(peak.Gflops), RoofColor, 2 * scale);
        string peakLabel = $"{F(peak.Gflops)} GFLOP/s peak ({peak.Threads} thr)";
        BitmapFont.DrawText(img, left + pw - BitmapFont.MeasureWidth(peakLabel, scale) - lh, Y(peak.Gflops) - 2 * lh, peakLabel, RoofColor, scale);
        string bwLabel = $"{F(peak.GBps)} GB/s";
        // Above the slope: left of a point on it (the line is lower further left).
        double bwAt = Math.Sqrt(slopeStart * ridge);
        BitmapFont.DrawText(img, X(bwAt) - BitmapFont.MeasureWidth(bwLabel, scale) - lh / 2, Y(bwAt * peak.GBps) - lh, bwLabel, RoofColor, scale);
        string ridgeLabel = $"ridge {F(ridge)}";
        BitmapFont.DrawText(img, rx + lh / 2, top + ph - 2 * lh, ridgeLabel, Muted, scale);

        // Dots: biggest first so small ones stay visible; clamped into the plot.
        foreach (var p in valid.OrderByDescending(p => p.Share))
        {
            int r = (int)Math.Round((3 + Math.Sqrt(Math.Clamp(p.Share, 0, 1)) * 16) * scale);
            var c = Rgb.ForClass(types.IndexOf(p.OpType));
            Disc(img, Cx(X(p.Intensity)), Cy(Y(p.Gflops)), r + 1, Ink);
            Disc(img, Cx(X(p.Intensity)), Cy(Y(p.Gflops)), r, c);
        }

        // Legend in the right margin.
        int lx = left + pw + lh, ly = top;
        Line(img, lx, ly + lh / 2, lx + 2 * lh, ly + lh / 2, RoofColor, 2 * scale);
        BitmapFont.DrawText(img, lx + 3 * lh, ly, "roofs", Ink, scale);
        ly += 2 * lh;
        foreach (var t in types)
        {
            if (ly + lh > top + ph) break;
            Disc(img, lx + lh, ly + lh / 2, lh / 2 + 1, Rgb.ForClass(types.IndexOf(t)));
            BitmapFont.DrawText(img, lx + 3 * lh, ly, t, Ink, scale);
            ly += 2 * lh;
        }
        return img;
    }

    /// <summary>Tick label for 10^<paramref name="e"/>: "0.01", "1", "1000", "1e5".</summary>
    internal static string Decade(int e) => e switch
    {
        >= 0 and <= 4 => Math.Pow(10, e).ToString("0", CultureInfo.InvariantCulture),
        < 0 and >= -3 => Math.Pow(10, e).ToString("0.###", CultureInfo.InvariantCulture),
        _ => $"1e{e}",
    };

    private static string F(double v) => v.ToString(v >= 100 ? "0" : v >= 10 ? "0.0" : "0.00", CultureInfo.InvariantCulture);

    /// <summary>A straight line (Bresenham), each step a <paramref name="thickness"/>² square; clipped to the image.</summary>
    private static void Line(RgbImage img, int x0, int y0, int x1, int y1, Rgb c, int thickness)
    {
        int dx = Math.Abs(x1 - x0), dy = -Math.Abs(y1 - y0);
        int sx = x0 < x1 ? 1 : -1, sy = y0 < y1 ? 1 : -1;
        int err = dx + dy, off = (thickness - 1) / 2;
        while (true)
        {
            img.FillRect(x0 - off, y0 - off, thickness, thickness, c);
            if (x0 == x1 && y0 == y1) break;
            int e2 = 2 * err;
            if (e2 >= dy) { err += dy; x0 += sx; }
            if (e2 <= dx) { err += dx; y0 += sy; }
        }
    }

    /// <summary>A filled disc of radius <paramref name="r"/> centred at (cx, cy); clipped.</summary>
    private static void Disc(RgbImage img, int cx, int cy, int r, Rgb c)
    {
        for (int dy = -r; dy <= r; dy++)
        {
            int half = (int)Math.Sqrt(r * r - dy * dy);
            img.FillRect(cx - half, cy + dy, 2 * half + 1, 1, c);
        }
    }
}
