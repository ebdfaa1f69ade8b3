using System.Globalization;

namespace KernelVision.Vision.Transfer;

/// <summary>
/// Draws the training history as a PNG-ready <see cref="RgbImage"/> with the built-in
/// <see cref="BitmapFont"/> (no plotting package): loss on the left, accuracy on the right, training
/// in blue, validation in orange, the kept (best) epoch marked by a grey vertical line.
/// </summary>
public static class TrainingChart
{
    private static readonly Rgb TrainColor = Rgb.ForClass(0), ValColor = Rgb.ForClass(1);
    private static readonly Rgb Ink = Rgb.Gray(30), Grid = Rgb.Gray(225), Best = Rgb.Gray(150);

    /// <summary>Renders <paramref name="history"/> at <paramref name="width"/>×<paramref name="height"/>.</summary>
    public static RgbImage Render(IReadOnlyList<EpochStats> history, int bestEpoch, string title, int width = 960, int height = 400)
    {
        if (history.Count == 0) throw new ArgumentException("no epochs to plot");
        var img = new RgbImage(width, height, Rgb.White);
        int lh = BitmapFont.LineHeight();
        BitmapFont.DrawText(img, 10, 6, title, Ink);
        int top = 6 + 5 * lh, bottom = height - 5 * lh, gap = 60, left = 60;
        int pw = (width - 2 * left - gap) / 2;
        var losses = history.SelectMany(h => new[] { h.TrainLoss, h.ValLoss }).Where(double.IsFinite).ToList();
        double lossMax = losses.Count > 0 ? losses.Max() : 1;
        Panel(img, left, top, pw, bottom - top, history, bestEpoch, "loss (cross-entropy)", 0, NiceCeiling(lossMax), h => h.TrainLoss, h => h.ValLoss);
        var accs = history.SelectMany(h => new[] { h.TrainAccuracy, h.ValAccuracy }).Where(double.IsFinite).ToList();
        double accMin = accs.Count > 0 ? Math.Floor(accs.Min() * 10) / 10 : 0;
        Panel(img, left + pw + gap, top, pw, bottom - top, history, bestEpoch, "accuracy", Math.Min(accMin, 0.9), 1, h => h.TrainAccuracy, h => h.ValAccuracy);
        // Legend.
        int ly = height - 2 * lh;
        img.FillRect(left, ly, 12, lh - 1, TrainColor);
        BitmapFont.DrawText(img, left + 16, ly, "training", Ink);
        int vx = left + 16 + BitmapFont.MeasureWidth("training") + 20;
        img.FillRect(vx, ly, 12, lh - 1, ValColor);
        BitmapFont.DrawText(img, vx + 16, ly, "validation", Ink);
        int bx = vx + 16 + BitmapFont.MeasureWidth("validation") + 20;
        img.FillRect(bx, ly, 2, lh - 1, Best);
        BitmapFont.DrawText(img, bx + 8, ly, $"kept: epoch {bestEpoch}", Ink);
        return img;
    }

    private static double NiceCeiling(double v)
    {
        if (!(v > 0)) return 1;
        double p = Math.Pow(10, Math.Floor(Math.Log10(v)));
        foreach (double m in new[] { 1, 2, 2.5, 5, 10 }) if (m * p >= v) return m * p;
        return 10 * p;
    }

    private static void Panel(RgbImage img, int x0, int y0, int w, int h, IReadOnlyList<EpochStats> history, int bestEpoch, string name,
        double lo, double hi, Func<EpochStats, double> train, Func<EpochStats, double> val)
    {
        int lh = BitmapFont.LineHeight();
        BitmapFont.DrawText(img, x0, y0 - 2 * lh, name, Ink);
        int n = history.Count;
        int X(double epoch) => x0 + (int)Math.Round(n == 1 ? w / 2.0 : (epoch - 1) / (n - 1) * w);
        int Y(double v) => y0 + h - (int)Math.Round((Math.Clamp(v, lo, hi) - lo) / (hi - lo) * h);
        for (int t = 0; t <= 4; t++)
        {
            double v = lo + (hi - lo) * t / 4;
            int y = Y(v);
            Line(img, x0, y, x0 + w, y, Grid);
            string label = v.ToString("0.###", CultureInfo.InvariantCulture);
            BitmapFont.DrawText(img, x0 - BitmapFont.MeasureWidth(label) - 6, y - lh / 2, label, Ink);
        }
        int step = Math.Max(1, (int)Math.Ceiling(n / 10.0));
        for (int e = 1; e <= n; e += step)
        {
            string label = e.ToString(CultureInfo.InvariantCulture);
            BitmapFont.DrawText(img, X(e) - BitmapFont.MeasureWidth(label) / 2, y0 + h + 6, label, Ink);
        }
        BitmapFont.DrawText(img, x0 + w - BitmapFont.MeasureWidth("epoch"), y0 + h + 6 + lh + 2, "epoch", Ink);
        if (bestEpoch >= 1 && bestEpoch <= n) Line(img, X(bestEpoch), y0, X(bestEpoch), y0 + h, Best);
        img.DrawRect(x0, y0, x0 + w, y0 + h, Ink);
        Series(img, history, train, TrainColor, X, Y);
        Series(img, history, val, ValColor, X, Y);
    }

    private static void Series(RgbImage img, IReadOnlyList<EpochStats> history, Func<EpochStats, double> value, Rgb color, Func<double, int> X, Func<double, int> Y)
    {
        (int X, int Y)? prev = null;
        foreach (var s in history)
        {
            double v = value(s);
            if (!double.IsFinite(v)) { prev = null; continue; }
            var p = (X(s.Epoch), Y(v));
            if (prev is { } q) { Line(img, q.X, q.Y, p.Item1, p.Item2, color); Line(img, q.X, q.Y + 1, p.Item1, p.Item2 + 1, color); }
            img.FillRect(p.Item1 - 2, p.Item2 - 2, 5, 5, color);
            prev = p;
        }
    }

    /// <summary>Bresenham line, clipped by <see cref="RgbImage.Set"/>.</summary>
    private static void Line(RgbImage img, int x0, int y0, int x1, int y1, Rgb c)
    {
        int dx = Math.Abs(x1 - x0), dy = -Math.Abs(y1 - y0), sx = x0 < x1 ? 1 : -1, sy = y0 < y1 ? 1 : -1, err = dx + dy;
        while (true)
        {
            img.Set(x0, y0, c);
            if (x0 == x1 && y0 == y1) return;
            int e2 = 2 * err;
            if (e2 >= dy) { err += dy; x0 += sx; }
            if (e2 <= dx) { err += dx; y0 += sy; }
        }
    }
}
