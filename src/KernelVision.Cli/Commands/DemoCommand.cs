using System.CommandLine;
using System.Diagnostics;
using KernelVision.Vision;

namespace KernelVision.Cli.Commands;

/// <summary>
/// <c>kv demo [--out DIR]</c>: runs classify, generate, detect, inpaint and visualize on the shipped
/// weights (weights/fashion-*) and the committed sample images (weights/samples), writes the pictures
/// into DIR (default ./demo-output) and prints where each went.
/// </summary>
internal static class DemoCommand
{
    public static Command Create(TextWriter o)
    {
        var outDir = new Option<string>("--out", "-o") { Description = "Folder for the demo's pictures", DefaultValueFactory = _ => "demo-output" };
        var weights = new Option<string?>("--weights") { Description = "The weights folder (default: weights/ of this repository)" };
        var backend = VisionCli.Backend();
        var threads = VisionCli.Threads();
        var cmd = new Command("demo", "Run every vision task on the shipped weights and sample images; write the pictures to a folder")
        {
            outDir, weights, backend, threads,
        };
        cmd.SetAction(p =>
        {
            VisionCli.ApplyThreads(p.GetValue(threads));
            string w = p.GetValue(weights) ?? FindWeights()
                ?? throw new InputException("cannot find the weights folder (weights/fashion-classifier/model.onnx above the current folder or the kv binary); pass --weights DIR");
            return Run(o, w, p.GetValue(outDir)!, p.GetValue(backend));
        });
        return cmd;
    }

    /// <summary>weights/ of the repository: searched upwards from the current folder, then from the binary.</summary>
    internal static string? FindWeights()
    {
        foreach (var start in new[] { Environment.CurrentDirectory, AppContext.BaseDirectory })
            for (var d = new DirectoryInfo(start); d is not null; d = d.Parent)
            {
                string cand = Path.Combine(d.FullName, "weights");
                if (File.Exists(Path.Combine(cand, "fashion-classifier", "model.onnx"))) return cand;
            }
        return null;
    }

    internal static int Run(TextWriter o, string weights, string outDir, string? backend)
    {
        if (!Directory.Exists(weights)) throw new InputException($"{weights}: weights folder not found");
        Directory.CreateDirectory(outDir);
        var opts = new VisionOptions { Backend = backend };
        var written = new List<(string Path, string What)>();
        var total = Stopwatch.StartNew();
        string samples = Path.Combine(weights, "samples");
        var sampleFiles = Directory.Exists(samples) ? ImageIO.ExpandInputs([samples]) : [];
        string Model(string name) => Path.Combine(weights, name);
        bool Has(string name) => File.Exists(Path.Combine(weights, name, "model.onnx"));

        // Sample pictures of the classifier's input size are items; larger ones are scenes for the detector.
        var items = new List<(string File, RgbImage Image)>();
        var scenes = new List<string>();
        foreach (var f in sampleFiles)
        {
            var img = ImageIO.Load(f);
            if (img.Width <= 32 && img.Height <= 32) items.Add((f, img));
            else scenes.Add(f);
        }
        o.WriteLine($"KernelVision demo: weights {Path.GetFullPath(weights)}, {items.Count} item and {scenes.Count} scene sample images");

        // 1. Classification.
        if (Has("fashion-classifier") && items.Count > 0)
        {
            using var m = VisionModel.Open(Model("fashion-classifier"), opts);
            var c = new Classifier(m);
            var sw = Stopwatch.StartNew();
            var tops = c.Classify(items.Select(i => i.Image).ToList(), 1);
            sw.Stop();
            o.WriteLine($"classify ({m.Session.Options.Backend.Name}, {CliOptions.Ms(sw.Elapsed)}):");
            var tiles = new List<RgbImage>();
            for (int i = 0; i < items.Count; i++)
            {
                var t = tops[i][0];
                o.WriteLine($"  {Path.GetFileName(items[i].File),-28} {t.Label} ({VisionCli.F(t.Probability * 100, "0.0")}%)");
                tiles.Add(Captioned(items[i].Image.Zoom(4), t.Label));
            }
            string path = Path.Combine(outDir, "classified.png");
            ImageIO.SavePng(RgbImage.Grid(tiles, Math.Min(tiles.Count, 5), 4, Rgb.White), path);
            written.Add((path, "sample items with the classifier's labels"));

            var feeds = FeatureMaps.Feeds(m, items[0].Image);
            var layers = FeatureMaps.Layers(m.Session, feeds);
            int k = 0;
            foreach (var l in layers.Where(l => l.OpType == "Conv").Take(2))
            {
                string fm = Path.Combine(outDir, $"feature-maps-conv{++k}.png");
                ImageIO.SavePng(FeatureMaps.Render(FeatureMaps.Capture(m.Session, feeds, l), 32), fm);
                written.Add((fm, $"classifier layer {l.Index} '{l.Name}' {l.ShapeText} on {Path.GetFileName(items[0].File)}"));
            }
        }

        // 2. Generation: a class-per-column grid and a slerp interpolation.
        if (Has("fashion-cgan"))
        {
            using var gm = VisionModel.Open(Model("fashion-cgan"), opts);
            var g = new Generator(gm);
            int cols = g.IsConditional ? g.Spec.NumClasses : 8;
            string grid = Path.Combine(outDir, "generated-grid.png");
            foreach (var line in GenerateCommand.Run(g, new GenerateCommand.Options(cols * 6, 0, null, true, cols, null, 0, 0, 3, grid), o)) o.WriteLine("  " + line);
            if (g.IsConditional) ImageIO.SavePng(WithColumnHeaders(ImageIO.Load(grid), cols, Enumerable.Range(0, cols).Select(g.LabelOf).ToList()), grid);
            written.Add((grid, g.IsConditional ? "generated samples, one class per column (seed 0)" : "generated samples (seed 0)"));
            string ends = g.IsConditional ? $"1:{Math.Min(7, g.Spec.NumClasses - 1)},2:{Math.Min(9, g.Spec.NumClasses - 1)}" : "1,2";
            foreach (var ext in new[] { ".png", ".gif" })
            {
                string path = Path.Combine(outDir, "interpolation" + ext);
                foreach (var line in GenerateCommand.Run(g, new GenerateCommand.Options(1, 0, null, false, null, ends, 10, 120, 3, path), o)) o.WriteLine("  " + line);
                written.Add((path, $"slerp between seeds 1 and 2 {(ext == ".gif" ? "(animated)" : "(strip)")}"));
            }
        }

        // 3. Detection on the scene samples.
        if (Has("fashion-detector") && scenes.Count > 0)
        {
            using var dm = VisionModel.Open(Model("fashion-detector"), opts);
            var d = new Detector(dm);
            string dir = Path.Combine(outDir, "detections");
            var results = DetectCommand.Run(d, scenes, dir, 0.5f, 0.45f, 100, null);
            foreach (var r in results)
            {
                string found = r.Boxes.Count == 0 ? "nothing above score 0.5" : string.Join(", ", r.Boxes.Select(b => $"{d.LabelOf(b.ClassId)} {VisionCli.F(b.Score, "0.00")}"));
                o.WriteLine($"  detect {Path.GetFileName(r.File)}: {found}");
                written.Add((r.Output, $"detections in {Path.GetFileName(r.File)}"));
            }
            written.Add((Path.Combine(dir, "detections.json"), "all boxes as JSON"));
        }

        // 4. Inpainting: a square hole in the middle of a few items.
        if (Has("fashion-inpaint") && items.Count > 0)
        {
            using var pm = VisionModel.Open(Model("fashion-inpaint"), opts);
            var painter = new Inpainter(pm);
            var rows = new List<RgbImage>();
            foreach (var (file, img) in items.Take(4))
            {
                int hw = Math.Max(1, img.Width * 3 / 8), hh = Math.Max(1, img.Height * 3 / 8);
                var mask = Inpainter.RectMask(img.Width, img.Height, (img.Width - hw) / 2, (img.Height - hh) / 2, hw, hh);
                rows.Add(painter.Inpaint(img, mask).SideBySide(4));
            }
            string path = Path.Combine(outDir, "inpainting.png");
            ImageIO.SavePng(RgbImage.Grid(rows, 1, 0, Rgb.White), path);
            written.Add((path, "inpainting: input with hole | inpainted | original"));
        }

        if (written.Count == 0) throw new InputException($"{weights}: no shipped models (fashion-classifier, fashion-cgan, fashion-detector, fashion-inpaint) found");
        o.WriteLine($"demo done in {CliOptions.Ms(total.Elapsed)}; pictures in {Path.GetFullPath(outDir)}:");
        foreach (var (path, what) in written) o.WriteLine($"  {path}  ({what})");
        return 0;
    }

    /// <summary>A header line above a grid (2 px gaps) naming each of its <paramref name="columns"/> columns.</summary>
    private static RgbImage WithColumnHeaders(RgbImage grid, int columns, IReadOnlyList<string> labels)
    {
        const int gap = 2;
        int cell = (grid.Width - (columns + 1) * gap) / columns, header = BitmapFont.LineHeight() + 6;
        var canvas = new RgbImage(grid.Width, grid.Height + header, Rgb.White);
        for (int c = 0; c < columns; c++)
        {
            string text = labels[c];
            while (text.Length > 1 && BitmapFont.MeasureWidth(text) > cell) text = text[..^1];
            BitmapFont.DrawText(canvas, gap + c * (cell + gap) + (cell - BitmapFont.MeasureWidth(text)) / 2, 4, text, Rgb.Black);
        }
        canvas.Paste(grid, 0, header);
        return canvas;
    }

    /// <summary>A picture with a caption line under it.</summary>
    private static RgbImage Captioned(RgbImage img, string caption)
    {
        int w = Math.Max(img.Width, BitmapFont.MeasureWidth(caption) + 2);
        var canvas = new RgbImage(w, img.Height + BitmapFont.LineHeight() + 4, Rgb.White);
        canvas.Paste(img, (w - img.Width) / 2, 0);
        BitmapFont.DrawText(canvas, (w - BitmapFont.MeasureWidth(caption)) / 2, img.Height + 2, caption, Rgb.Black);
        return canvas;
    }
}
