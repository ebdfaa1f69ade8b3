using System.CommandLine;
using System.Globalization;
using KernelVision.Vision;

namespace KernelVision.Cli.Commands;

/// <summary>
/// <c>kv generate MODEL [--count N] [--seed S] [--class C] [--grid] [--interpolate A,B --steps K] --out FILE</c>:
/// images from seeded Gaussian latents (KernelVision's own xoshiro256** + Box–Muller generator, the
/// same on every machine), as single files or a grid, or a slerp interpolation between the latents of
/// two seeds as a PNG strip or an animated GIF.
/// </summary>
internal static class GenerateCommand
{
    public static Command Create(TextWriter o)
    {
        var model = new Argument<string>("model") { Description = "Generator: folder with model.onnx + model.json, or the .onnx file" };
        var count = new Option<int>("--count") { Description = "Number of images", DefaultValueFactory = _ => 1 };
        var seed = new Option<ulong>("--seed", "-s") { Description = "Latent seed (image i uses the i-th latent of this seed's stream)", DefaultValueFactory = _ => 0UL };
        var cls = new Option<string?>("--class", "-c") { Description = "Class index or label for a conditional generator (default: cycle through all classes)" };
        var grid = new Option<bool>("--grid") { Description = "Write all images as one grid picture" };
        var columns = new Option<int?>("--columns") { Description = "Grid columns (default: the number of classes when cycling, else about √N)" };
        var interp = new Option<string?>("--interpolate") { Description = "A,B: slerp from seed A's latent to seed B's (each may be SEED:CLASS to blend classes too)" };
        var steps = new Option<int>("--steps") { Description = "Interpolation frames", DefaultValueFactory = _ => 10 };
        var delay = new Option<int>("--delay") { Description = "GIF frame delay in milliseconds", DefaultValueFactory = _ => 120 };
        var zoom = new Option<int>("--zoom") { Description = "Enlarge each image this many times (nearest neighbour)", DefaultValueFactory = _ => 1 };
        var outFile = new Option<string>("--out", "-o") { Description = "Output .png (or .gif for an animated interpolation)", Required = true };
        var backend = VisionCli.Backend();
        var threads = VisionCli.Threads();
        var cmd = new Command("generate", "Generate images from seeded latents: single, grid, or slerp interpolation (PNG strip / GIF)")
        {
            model, count, seed, cls, grid, columns, interp, steps, delay, zoom, outFile, backend, threads,
        };
        cmd.SetAction(p =>
        {
            ImageIO.CheckSaveFormat(p.GetValue(outFile)!, "--out");
            using var m = VisionCli.Open(p.GetValue(model)!, p.GetValue(backend), p.GetValue(threads));
            var g = new Generator(m);
            var opts = new Options(p.GetValue(count), p.GetValue(seed), p.GetValue(cls), p.GetValue(grid), p.GetValue(columns),
                p.GetValue(interp), p.GetValue(steps), p.GetValue(delay), VisionCli.Zoom(p.GetValue(zoom)), p.GetValue(outFile)!);
            foreach (var line in Run(g, opts, o)) o.WriteLine(line);
            return 0;
        });
        return cmd;
    }

    internal sealed record Options(int Count, ulong Seed, string? Class, bool Grid, int? Columns, string? Interpolate, int Steps, int DelayMs, int Zoom, string Out);

    /// <summary>Does the work; returns the lines to print.</summary>
    internal static List<string> Run(Generator g, Options opt, TextWriter o)
    {
        var lines = new List<string>();
        if (opt.Interpolate is not null)
        {
            if (opt.Steps < 2 || opt.Steps > 1000) throw new InputException($"--steps must be 2..1000, got {opt.Steps}");
            if (opt.DelayMs < 10 || opt.DelayMs > 60000) throw new InputException($"--delay must be 10..60000 ms, got {opt.DelayMs}");
            var ends = opt.Interpolate.Split(',', StringSplitOptions.TrimEntries);
            if (ends.Length != 2) throw new InputException($"--interpolate: expected A,B (two seeds), got '{opt.Interpolate}'");
            int defaultClass = opt.Class is null ? 0 : ParseClass(g, opt.Class);
            var (seedA, classA) = ParseEnd(g, ends[0], defaultClass);
            var (seedB, classB) = ParseEnd(g, ends[1], defaultClass);
            var zA = LatentRng.Latents(seedA, 1, g.Spec.LatentSize)[0];
            var zB = LatentRng.Latents(seedB, 1, g.Spec.LatentSize)[0];
            float[]? la = g.IsConditional ? Generator.OneHot(classA, g.Spec.NumClasses) : null;
            float[]? lb = g.IsConditional ? Generator.OneHot(classB, g.Spec.NumClasses) : null;
            var frames = g.Interpolate(zA, zB, opt.Steps, la, lb).Select(f => f.Zoom(opt.Zoom)).ToList();
            if (opt.Out.EndsWith(".gif", StringComparison.OrdinalIgnoreCase))
            {
                // Forth and back, so the loop has no jump.
                var loop = frames.Concat(frames.Skip(1).Take(frames.Count - 2).Reverse()).ToList();
                ImageIO.SaveGif(loop, opt.Out, opt.DelayMs);
                lines.Add($"wrote {opt.Out}: animated GIF, {loop.Count} frames of {frames[0].Width}x{frames[0].Height}, slerp seed {seedA} -> {seedB}");
            }
            else
            {
                var strip = RgbImage.Grid(frames, frames.Count, 2, Rgb.White);
                ImageIO.Save(strip, opt.Out);
                lines.Add($"wrote {opt.Out}: {strip.Width}x{strip.Height} strip of {frames.Count} frames, slerp seed {seedA} -> {seedB}");
            }
            return lines;
        }

        if (opt.Count < 1 || opt.Count > 10000) throw new InputException($"--count must be 1..10000, got {opt.Count}");
        var latents = LatentRng.Latents(opt.Seed, opt.Count, g.Spec.LatentSize);
        List<int>? classes = null;
        bool cycling = false;
        if (g.IsConditional)
        {
            if (opt.Class is not null) classes = Enumerable.Repeat(ParseClass(g, opt.Class), opt.Count).ToList();
            else { classes = Enumerable.Range(0, opt.Count).Select(i => i % g.Spec.NumClasses).ToList(); cycling = true; }
        }
        else if (opt.Class is not null) throw new InputException($"{g.Model.DisplayName} is an unconditional generator: --class does not apply");

        var images = VisionCli.WithProgress(o, $"generating {opt.Count} image{(opt.Count == 1 ? "" : "s")}", progress =>
        {
            var all = new List<RgbImage>();
            for (int start = 0; start < opt.Count; start += g.BatchSize)
            {
                int n = Math.Min(g.BatchSize, opt.Count - start);
                all.AddRange(g.Images(latents.Skip(start).Take(n).ToList(), classes?.Skip(start).Take(n).ToList()));
                progress(all.Count, opt.Count);
            }
            return all.Select(i => i.Zoom(opt.Zoom)).ToList();
        });

        if (opt.Count == 1)
        {
            ImageIO.Save(images[0], opt.Out);
            lines.Add($"wrote {opt.Out}: {images[0].Width}x{images[0].Height}{Describe(g, classes, 0)}, seed {opt.Seed}");
        }
        else if (opt.Grid)
        {
            int cols = opt.Columns ?? (cycling ? Math.Min(opt.Count, g.Spec.NumClasses) : (int)Math.Ceiling(Math.Sqrt(opt.Count)));
            if (cols < 1) throw new InputException($"--columns must be at least 1, got {cols}");
            var gridImg = RgbImage.Grid(images, cols, 2, Rgb.White);
            ImageIO.Save(gridImg, opt.Out);
            lines.Add($"wrote {opt.Out}: {gridImg.Width}x{gridImg.Height} grid of {opt.Count} images ({cols} columns{(cycling ? ", one class per column" : "")}), seed {opt.Seed}");
        }
        else
        {
            string stem = Path.Combine(Path.GetDirectoryName(opt.Out) ?? "", Path.GetFileNameWithoutExtension(opt.Out));
            string ext = Path.GetExtension(opt.Out).Length > 0 ? Path.GetExtension(opt.Out) : ".png";
            int digits = Math.Max(3, (opt.Count - 1).ToString(CultureInfo.InvariantCulture).Length);
            for (int i = 0; i < images.Count; i++)
            {
                string path = $"{stem}-{i.ToString(CultureInfo.InvariantCulture).PadLeft(digits, '0')}{ext}";
                ImageIO.Save(images[i], path);
                lines.Add($"wrote {path}: {images[i].Width}x{images[i].Height}{Describe(g, classes, i)}");
            }
        }
        return lines;
    }

    private static string Describe(Generator g, List<int>? classes, int i) => classes is null ? "" : $", class {classes[i]} ({g.LabelOf(classes[i])})";

    /// <summary>A class given as an index or a label (case-insensitive).</summary>
    internal static int ParseClass(Generator g, string text)
    {
        if (!g.IsConditional) throw new InputException($"{g.Model.DisplayName} is an unconditional generator: it takes no class");
        if (int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out int c)) { g.CheckClass(c); return c; }
        for (int i = 0; i < g.Labels.Count; i++)
            if (string.Equals(g.Labels[i], text, StringComparison.OrdinalIgnoreCase)) return i;
        throw new InputException($"--class: '{text}' is neither a class index 0..{g.Spec.NumClasses - 1} nor a label ({string.Join(", ", g.Labels)})");
    }

    private static (ulong Seed, int Class) ParseEnd(Generator g, string text, int defaultClass)
    {
        var parts = text.Split(':', 2);
        if (!ulong.TryParse(parts[0], NumberStyles.Integer, CultureInfo.InvariantCulture, out ulong s))
            throw new InputException($"--interpolate: '{parts[0]}' is not a seed (a non-negative integer)");
        int c = parts.Length == 2 ? ParseClass(g, parts[1]) : defaultClass;
        return (s, c);
    }
}
