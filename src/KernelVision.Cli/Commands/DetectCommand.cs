using System.CommandLine;
using System.Text.Json;
using KernelVision.Vision;

namespace KernelVision.Cli.Commands;

/// <summary>
/// <c>kv detect MODEL IMAGE... [--score T] [--iou T] --out DIR</c>: YOLOv2-style decode, class-aware NMS,
/// each picture saved as DIR/NAME.png with boxes and labels drawn, and DIR/detections.json with the boxes
/// in source-pixel coordinates.
/// </summary>
internal static class DetectCommand
{
    public static Command Create(TextWriter o)
    {
        var model = new Argument<string>("model") { Description = "Detection model: folder with model.onnx + model.json, or the .onnx file" };
        var inputs = new Argument<string[]>("images") { Description = "Image files or folders", Arity = ArgumentArity.OneOrMore };
        var score = new Option<float>("--score") { Description = "Minimum score σ(obj)·p(class)", DefaultValueFactory = _ => 0.25f };
        var iou = new Option<float>("--iou") { Description = "NMS IoU threshold (same-class boxes overlapping more are dropped)", DefaultValueFactory = _ => 0.45f };
        var max = new Option<int>("--max") { Description = "Most boxes per image", DefaultValueFactory = _ => 100 };
        var outDir = new Option<string>("--out", "-o") { Description = "Output folder for the drawn PNGs and detections.json", Required = true };
        var zoom = new Option<int?>("--zoom") { Description = "Enlarge the drawn picture this many times (default: so the longer side is at least 384 px)" };
        var backend = VisionCli.Backend();
        var threads = VisionCli.Threads();
        var cmd = new Command("detect", "Detect objects: boxes drawn on PNGs plus a JSON of boxes") { model, inputs, score, iou, max, outDir, zoom, backend, threads };
        cmd.SetAction(p =>
        {
            float s = VisionCli.Unit(p.GetValue(score), "--score"), t = VisionCli.Unit(p.GetValue(iou), "--iou");
            int mx = p.GetValue(max);
            if (mx < 1) throw new InputException($"--max must be at least 1, got {mx}");
            int? z = p.GetValue(zoom) is int zz ? VisionCli.Zoom(zz) : null;
            using var m = VisionCli.Open(p.GetValue(model)!, p.GetValue(backend), p.GetValue(threads));
            var detector = new Detector(m);
            var files = ImageIO.ExpandInputs(p.GetValue(inputs)!);
            var results = VisionCli.WithProgress(o, $"detecting in {files.Count} image{(files.Count == 1 ? "" : "s")}",
                progress => Run(detector, files, p.GetValue(outDir)!, s, t, mx, z, progress));
            foreach (var r in results)
            {
                o.WriteLine($"{r.File}: {r.Boxes.Count} object{(r.Boxes.Count == 1 ? "" : "s")} -> {r.Output}");
                foreach (var b in r.Boxes)
                    o.WriteLine($"  {detector.LabelOf(b.ClassId),-12} {VisionCli.F(b.Score, "0.00")}  ({VisionCli.F(b.X1, "0.0")}, {VisionCli.F(b.Y1, "0.0")}) - ({VisionCli.F(b.X2, "0.0")}, {VisionCli.F(b.Y2, "0.0")})");
            }
            o.WriteLine($"boxes: {Path.Combine(p.GetValue(outDir)!, "detections.json")}");
            return 0;
        });
        return cmd;
    }

    /// <summary>One image's detections and where its drawing went.</summary>
    internal sealed record Result(string File, int Width, int Height, List<Box> Boxes, string Output);

    /// <summary>Detects in every file, writes the drawings and detections.json into <paramref name="outDir"/>.</summary>
    internal static List<Result> Run(Detector detector, IReadOnlyList<string> files, string outDir, float score, float iou, int max, int? zoom, Action<int, int>? progress = null)
    {
        Directory.CreateDirectory(outDir);
        var used = new HashSet<string>(StringComparer.OrdinalIgnoreCase) { "detections" };
        var results = new List<Result>();
        foreach (var f in files)
        {
            var img = ImageIO.Load(f, detector.Model.Options.Limits);
            var boxes = detector.Detect(img, score, iou, max);
            int z = zoom ?? Math.Clamp((int)Math.Ceiling(384.0 / Math.Max(img.Width, img.Height)), 1, 8);
            string stem = Path.GetFileNameWithoutExtension(f);
            string name = stem;
            for (int i = 2; !used.Add(name); i++) name = $"{stem}-{i}";
            // Keep the source's format (a 4000x3000 JPEG photo as PNG was 33 MB); PNG otherwise.
            string ext = Path.GetExtension(f).ToLowerInvariant();
            if (ext == ".gif" || !ImageIO.SaveExtensions.Contains(ext)) ext = ".png";
            string outPath = Path.Combine(outDir, name + ext);
            ImageIO.Save(Detector.Draw(img, boxes, detector.LabelOf, z), outPath);
            results.Add(new Result(f, img.Width, img.Height, boxes, outPath));
            progress?.Invoke(results.Count, files.Count);
        }
        WriteJson(Path.Combine(outDir, "detections.json"), detector, results);
        return results;
    }

    private static void WriteJson(string path, Detector detector, IReadOnlyList<Result> results)
    {
        using var fs = File.Create(path);
        using var w = new Utf8JsonWriter(fs, new JsonWriterOptions { Indented = true });
        w.WriteStartObject();
        w.WriteString("model", detector.Model.ModelPath);
        w.WriteString("coordinates", "source image pixels, x1,y1 top-left, x2,y2 bottom-right");
        w.WriteStartArray("images");
        foreach (var r in results)
        {
            w.WriteStartObject();
            w.WriteString("file", r.File);
            w.WriteNumber("width", r.Width);
            w.WriteNumber("height", r.Height);
            w.WriteString("output", r.Output);
            w.WriteStartArray("boxes");
            foreach (var b in r.Boxes)
            {
                w.WriteStartObject();
                w.WriteString("label", detector.LabelOf(b.ClassId));
                w.WriteNumber("class", b.ClassId);
                w.WriteNumber("score", Math.Round(b.Score, 5));
                w.WriteNumber("x1", Math.Round(b.X1, 2));
                w.WriteNumber("y1", Math.Round(b.Y1, 2));
                w.WriteNumber("x2", Math.Round(b.X2, 2));
                w.WriteNumber("y2", Math.Round(b.Y2, 2));
                w.WriteEndObject();
            }
            w.WriteEndArray();
            w.WriteEndObject();
        }
        w.WriteEndArray();
        w.WriteEndObject();
    }
}
