using System.CommandLine;
using System.Diagnostics;
using System.Text.Json;
using KernelVision.Vision;

namespace KernelVision.Cli.Commands;

/// <summary>
/// <c>kv classify MODEL IMAGE|DIR... [--top K] [--labels FILE] [--json]</c>: the top classes of each
/// image. Works with a shipped model (model.json beside it) and with any ImageNet-style model plus a
/// labels file; the preprocessing options override the metadata or the ImageNet defaults.
/// Results stream as each batch finishes; with several inputs a bad file is skipped with a warning
/// on stderr and the command exits 1 at the end (<see cref="SomeSkipped"/>).
/// </summary>
internal static class ClassifyCommand
{
    /// <summary>Exit code when every result was printed but some inputs were skipped.</summary>
    public const int SomeSkipped = 1;

    public static Command Create(TextWriter o, TextWriter e)
    {
        var model = new Argument<string>("model") { Description = "ONNX model file, or a folder with model.onnx + model.json" };
        var inputs = new Argument<string[]>("images") { Description = "Image files or folders (searched recursively)", Arity = ArgumentArity.OneOrMore };
        var top = new Option<int>("--top", "-k") { Description = "How many classes to show per image", DefaultValueFactory = _ => 3 };
        var labels = new Option<string?>("--labels", "-l") { Description = "Labels file: one class name per line (or a JSON array); overrides the metadata" };
        var json = new Option<bool>("--json") { Description = "Print JSON instead of text" };
        var raw = new Option<bool>("--raw") { Description = "Rank the first output's values even when it does not look like class scores (e.g. features)" };
        var outFile = new Option<string?>("--out", "-o") { Description = "Also write results to FILE.csv or FILE.jsonl, one record per image as it is classified" };
        var size = new Option<string?>("--size") { Description = "Input size N or WxH (default: metadata, else the model's declared size, else 224)" };
        var color = new Option<string?>("--color") { Description = "gray | rgb | bgr" };
        var resize = new Option<string?>("--resize") { Description = "stretch | letterbox | center-crop" };
        var mean = new Option<string?>("--mean") { Description = "Per-channel mean after scaling, e.g. 0.485,0.456,0.406" };
        var std = new Option<string?>("--std") { Description = "Per-channel std, e.g. 0.229,0.224,0.225" };
        var scale = new Option<float?>("--scale") { Description = "Pixel bytes are divided by this first (default 255)" };
        var crop = new Option<float?>("--crop-fraction") { Description = "center-crop: crop share of the resized image (ImageNet: 0.875 = resize 256, crop 224)" };
        var backend = VisionCli.Backend();
        var threads = VisionCli.Threads();
        var cmd = new Command("classify", "Classify images (top-K classes with probabilities)")
        {
            model, inputs, top, labels, json, raw, outFile, size, color, resize, mean, std, scale, crop, backend, threads,
        };
        cmd.SetAction(p =>
        {
            int k = p.GetValue(top);
            if (k < 1) throw new InputException($"--top must be at least 1, got {k}");
            using var m = VisionCli.Open(p.GetValue(model)!, p.GetValue(backend), p.GetValue(threads));
            var files = ImageIO.ExpandInputs(p.GetValue(inputs)!);
            var spec = Override(m, p.GetValue(size), p.GetValue(color), p.GetValue(resize), p.GetValue(mean), p.GetValue(std), p.GetValue(scale), p.GetValue(crop));
            string? labelsPath = p.GetValue(labels);
            var classifier = new Classifier(m, spec, labelsPath is null ? null : ModelMetadata.LoadLabels(labelsPath), p.GetValue(raw));
            string? outPath = p.GetValue(outFile);
            bool asJson = p.GetValue(json);
            // One named file: its error is the command's error (exit 2). Several: skip and count.
            bool skipBad = files.Count > 1;
            using var results = outPath is null ? null : ResultFile.Create(outPath, k);
            using var progress = ProgressLine.Start(o, "classifying", files.Count);
            int done = 0, good = 0;
            var skipped = new List<string>();
            var sw = Stopwatch.StartNew();
            if (asJson) progress.Out(o, "[");
            foreach (var item in classifier.ClassifyEach(files, k))
            {
                done++;
                if (item.Error is { } err)
                {
                    if (!skipBad) throw err;
                    skipped.Add(item.Source);
                    // Loader messages start with the file; others get it added so the warning always names it.
                    string why = err.Message.Contains(item.Source, StringComparison.Ordinal) ? err.Message : $"{item.Source}: {err.Message}";
                    progress.Out(e, $"warning: {why} (skipped)");
                }
                else
                {
                    var r = item.Result!;
                    string line = asJson
                        ? (good > 0 ? "," : "") + Json(r, indented: false)
                        : $"{r.Source}: {string.Join(", ", r.Top.Select(t => $"{t.Label} {VisionCli.F(t.Probability * 100, "0.0")}%"))}";
                    progress.Out(o, line);
                    results?.Write(r);
                    good++;
                }
                progress.Report(done, files.Count);
            }
            sw.Stop();
            if (asJson) progress.Out(o, "]");
            else
                progress.Out(o, $"classified {good} image{(good == 1 ? "" : "s")} with {m.DisplayName} on {m.Session.Options.Backend.Name} in {CliOptions.Ms(sw.Elapsed)}"
                    + (skipped.Count > 0 ? $"; skipped {skipped.Count}" : ""));
            if (skipped.Count > 0)
            {
                progress.Out(e, $"warning: {skipped.Count} of {files.Count} files skipped: {string.Join(", ", skipped.Take(5))}{(skipped.Count > 5 ? ", …" : "")}");
                return SomeSkipped;
            }
            return 0;
        });
        return cmd;
    }

    /// <summary>The metadata's input spec (or the ImageNet-style default) with command-line overrides applied; null when nothing is overridden.</summary>
    internal static ImageInputSpec? Override(VisionModel m, string? size, string? color, string? resize, string? mean, string? std, float? scale, float? crop)
    {
        if (size is null && color is null && resize is null && mean is null && std is null && scale is null && crop is null) return null;
        var spec = m.Metadata?.Input ?? m.DefaultImageInput();
        if (size is not null)
        {
            var parts = size.ToLowerInvariant().Split('x');
            var wh = parts.Select(s => int.TryParse(s, out int v) && v > 0 ? v : throw new InputException($"--size: '{size}' is not N or WxH")).ToArray();
            if (wh.Length is < 1 or > 2) throw new InputException($"--size: '{size}' is not N or WxH");
            spec = spec with { Width = wh[0], Height = wh[^1] };
        }
        if (color is not null)
        {
            var c = color.ToLowerInvariant() switch
            {
                "gray" or "grey" => ColorMode.Gray,
                "rgb" => ColorMode.Rgb,
                "bgr" => ColorMode.Bgr,
                _ => throw new InputException($"--color: '{color}' is not gray, rgb or bgr"),
            };
            int channels = c == ColorMode.Gray ? 1 : 3;
            spec = spec with { Color = c };
            // Channel count changed and no new mean/std given: neutral values rather than a mismatch.
            if (spec.Mean.Length != channels && mean is null) spec = spec with { Mean = new float[channels] };
            if (spec.Std.Length != channels && std is null) spec = spec with { Std = Enumerable.Repeat(1f, channels).ToArray() };
        }
        if (resize is not null)
        {
            spec = spec with
            {
                Resize = resize.ToLowerInvariant() switch
                {
                    "stretch" => ResizeMode.Stretch,
                    "letterbox" => ResizeMode.Letterbox,
                    "center-crop" or "centre-crop" => ResizeMode.CenterCrop,
                    _ => throw new InputException($"--resize: '{resize}' is not stretch, letterbox or center-crop"),
                },
            };
        }
        if (mean is not null) spec = spec with { Mean = Broadcast(VisionCli.Floats(mean, "--mean"), spec.Channels, "--mean") };
        if (std is not null) spec = spec with { Std = Broadcast(VisionCli.Floats(std, "--std"), spec.Channels, "--std") };
        if (scale is float s) spec = spec with { Scale = s };
        if (crop is float cf) spec = spec with { CropFraction = cf };
        spec.Validate("options");
        return spec;
    }

    private static float[] Broadcast(float[] v, int channels, string what) =>
        v.Length == channels ? v : v.Length == 1 ? Enumerable.Repeat(v[0], channels).ToArray()
            : throw new InputException($"{what}: {v.Length} values given, the input has {channels} channel{(channels > 1 ? "s" : "")}");

    /// <summary>One result as a JSON object: {"file", "top": [{"index", "label", "probability"}]}.</summary>
    internal static string Json(Classification r, bool indented)
    {
        using var ms = new MemoryStream();
        using (var w = new Utf8JsonWriter(ms, new JsonWriterOptions { Indented = indented }))
        {
            w.WriteStartObject();
            w.WriteString("file", r.Source);
            w.WriteStartArray("top");
            foreach (var t in r.Top)
            {
                w.WriteStartObject();
                w.WriteNumber("index", t.Index);
                w.WriteString("label", t.Label);
                w.WriteNumber("probability", Math.Round(t.Probability, 6));
                w.WriteEndObject();
            }
            w.WriteEndArray();
            w.WriteEndObject();
        }
        return System.Text.Encoding.UTF8.GetString(ms.ToArray());
    }
}
