using System.Globalization;
using System.Text.Json;

namespace KernelVision.Vision;

/// <summary>What a shipped model does (the "task" field of model.json).</summary>
public enum VisionTask
{
    /// <summary>Image in, class scores out.</summary>
    Classification,
    /// <summary>Image in, YOLOv2-style grid of boxes out.</summary>
    Detection,
    /// <summary>Latent (and class) in, image out.</summary>
    Generation,
    /// <summary>Masked image and mask in, completed image out.</summary>
    Inpainting,
}

/// <summary>How pixels become channels.</summary>
public enum ColorMode
{
    /// <summary>One channel, ITU-R 601-2 luma (PIL's "L").</summary>
    Gray,
    /// <summary>Three channels R, G, B.</summary>
    Rgb,
    /// <summary>Three channels B, G, R (Caffe/OpenCV-trained models).</summary>
    Bgr,
}

/// <summary>How an image of any size is brought to the model's input size.</summary>
public enum ResizeMode
{
    /// <summary>Resize to exactly width×height, ignoring aspect ratio.</summary>
    Stretch,
    /// <summary>Scale to fit inside, keep aspect ratio, pad the rest with <see cref="ImageInputSpec.PadValue"/>.</summary>
    Letterbox,
    /// <summary>Scale so the image covers width×height / crop fraction, then cut out the centre.</summary>
    CenterCrop,
}

/// <summary>The image input of a model ("input" in model.json): size, colour and normalisation.</summary>
public sealed record ImageInputSpec
{
    /// <summary>Graph input name.</summary>
    public required string Name { get; init; }
    /// <summary>Input width in pixels.</summary>
    public required int Width { get; init; }
    /// <summary>Input height in pixels.</summary>
    public required int Height { get; init; }
    /// <summary>Colour mode; decides the channel count.</summary>
    public ColorMode Color { get; init; } = ColorMode.Rgb;
    /// <summary>Geometry mode.</summary>
    public ResizeMode Resize { get; init; } = ResizeMode.Stretch;
    /// <summary>Pixel bytes are divided by this first.</summary>
    public float Scale { get; init; } = 255f;
    /// <summary>Per-channel mean (length = channels).</summary>
    public required float[] Mean { get; init; }
    /// <summary>Per-channel standard deviation (length = channels, all &gt; 0).</summary>
    public required float[] Std { get; init; }
    /// <summary>For <see cref="ResizeMode.CenterCrop"/>: the crop's share of the resized shorter side (0.875 = resize 256, crop 224).</summary>
    public float CropFraction { get; init; } = 1f;
    /// <summary>For <see cref="ResizeMode.Letterbox"/>: grey level of the padding, 0..255.</summary>
    public byte PadValue { get; init; }

    /// <summary>1 for gray, 3 for RGB/BGR.</summary>
    public int Channels => Color == ColorMode.Gray ? 1 : 3;

    /// <summary>ImageNet convention: RGB, resize shorter side to size/0.875, centre crop, mean/std of ImageNet.</summary>
    public static ImageInputSpec ImageNet(string name, int width = 224, int height = 224) => new()
    {
        Name = name, Width = width, Height = height, Color = ColorMode.Rgb, Resize = ResizeMode.CenterCrop,
        Scale = 255f, Mean = [0.485f, 0.456f, 0.406f], Std = [0.229f, 0.224f, 0.225f], CropFraction = 0.875f,
    };

    /// <summary>Throws <see cref="InputException"/> when the fields are inconsistent (<paramref name="where"/> names the source).</summary>
    public void Validate(string where)
    {
        if (Width < 1 || Height < 1 || Width > 16384 || Height > 16384)
            throw new InputException($"{where}: input size must be 1..16384 pixels, got {Width}x{Height}");
        if (!(Scale > 0) || float.IsInfinity(Scale)) throw new InputException($"{where}: input scale must be positive, got {Scale}");
        if (Mean.Length != Channels) throw new InputException($"{where}: input mean has {Mean.Length} values, colour '{Color.ToString().ToLowerInvariant()}' needs {Channels}");
        if (Std.Length != Channels) throw new InputException($"{where}: input std has {Std.Length} values, colour '{Color.ToString().ToLowerInvariant()}' needs {Channels}");
        if (Std.Any(s => !(s > 0) || float.IsInfinity(s))) throw new InputException($"{where}: input std values must be positive");
        if (Mean.Any(m => !float.IsFinite(m))) throw new InputException($"{where}: input mean values must be finite");
        if (!(CropFraction > 0 && CropFraction <= 1)) throw new InputException($"{where}: crop fraction must be in (0, 1], got {CropFraction}");
    }
}

/// <summary>YOLOv2-style detection head ("detection" in model.json).</summary>
public sealed record DetectionSpec
{
    /// <summary>Graph output holding [N, A*(5+C), S, S].</summary>
    public required string Output { get; init; }
    /// <summary>Grid size S.</summary>
    public required int Grid { get; init; }
    /// <summary>Anchor (width, height) in grid cells.</summary>
    public required (float W, float H)[] Anchors { get; init; }
    /// <summary>Number of classes C.</summary>
    public required int NumClasses { get; init; }
}

/// <summary>A (conditional) generator ("generation" in model.json).</summary>
public sealed record GenerationSpec
{
    /// <summary>Latent input name, float32 [N, LatentSize].</summary>
    public required string Latent { get; init; }
    /// <summary>One-hot label input name, float32 [N, NumClasses]; null for an unconditional generator.</summary>
    public string? Label { get; init; }
    /// <summary>Latent dimension.</summary>
    public required int LatentSize { get; init; }
    /// <summary>Number of classes (0 when unconditional).</summary>
    public int NumClasses { get; init; }
    /// <summary>Image output name, [N, C, H, W].</summary>
    public required string Output { get; init; }
    /// <summary>Range of the output values; pixels = (x - lo) / (hi - lo) * 255.</summary>
    public (float Lo, float Hi) OutputRange { get; init; } = (-1f, 1f);
}

/// <summary>An inpainting generator ("inpainting" in model.json).</summary>
public sealed record InpaintingSpec
{
    /// <summary>Masked image input name ([N, C, H, W], normalised as the input spec says, holes zeroed).</summary>
    public required string Image { get; init; }
    /// <summary>Mask input name (float32 [N, 1, H, W], 1 = missing).</summary>
    public required string Mask { get; init; }
    /// <summary>Completed image output name (same normalisation as the input).</summary>
    public required string Output { get; init; }
}

/// <summary>
/// The contents of a model's <c>model.json</c> (docs/MODEL-METADATA.md): task, labels and what the
/// Vision library needs to pre- and post-process. Loading validates every field and names the file
/// and field in its errors.
/// </summary>
public sealed record ModelMetadata
{
    /// <summary>Format version (1).</summary>
    public int Format { get; init; } = 1;
    /// <summary>What the model does.</summary>
    public required VisionTask Task { get; init; }
    /// <summary>Short name.</summary>
    public string Name { get; init; } = "";
    /// <summary>One-line description.</summary>
    public string Description { get; init; } = "";
    /// <summary>Class names (may be empty: classes are then shown by index).</summary>
    public IReadOnlyList<string> Labels { get; init; } = [];
    /// <summary>Image input (classification, detection, inpainting).</summary>
    public ImageInputSpec? Input { get; init; }
    /// <summary>Detection head.</summary>
    public DetectionSpec? Detection { get; init; }
    /// <summary>Generator description.</summary>
    public GenerationSpec? Generation { get; init; }
    /// <summary>Inpainting description.</summary>
    public InpaintingSpec? Inpainting { get; init; }
    /// <summary>The file this was read from ("" when built in code).</summary>
    public string SourcePath { get; init; } = "";

    /// <summary>Label of class <paramref name="index"/>, or "class N" when there are no labels.</summary>
    public string LabelOf(int index) => index >= 0 && index < Labels.Count ? Labels[index] : $"class {index}";

    /// <summary>
    /// The metadata file that belongs to <paramref name="modelPath"/>: <c>X.json</c> beside <c>X.onnx</c>
    /// (so <c>model.onnx</c> → <c>model.json</c>); null when there is none.
    /// </summary>
    public static string? PathFor(string modelPath)
    {
        string json = Path.ChangeExtension(modelPath, ".json");
        return File.Exists(json) ? json : null;
    }

    private static readonly JsonDocumentOptions JsonOptions = new() { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true };

    /// <summary>Reads and validates a model.json file.</summary>
    public static ModelMetadata Load(string path)
    {
        if (!File.Exists(path)) throw new InputException($"{path}: model metadata not found");
        string text;
        try { text = File.ReadAllText(path); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { throw new InputException($"{path}: cannot read model metadata: {e.Message}", e); }
        return Parse(text, path);
    }

    /// <summary>Parses and validates metadata JSON; <paramref name="source"/> names it in errors.</summary>
    public static ModelMetadata Parse(string json, string source)
    {
        JsonDocument doc;
        try { doc = JsonDocument.Parse(json, JsonOptions); }
        catch (JsonException e) { throw new InputException($"{source}: not valid JSON: {e.Message}", e); }
        using (doc)
        {
            var r = new Reader(source);
            var root = doc.RootElement;
            if (root.ValueKind != JsonValueKind.Object) throw r.Bad("", "must be a JSON object");
            int format = r.OptInt(root, "format") ?? 1;
            if (format != 1) throw r.Bad("format", $"is {format}; this KernelVision reads format 1");
            string taskText = r.ReqString(root, "task");
            VisionTask task = taskText switch
            {
                "classification" => VisionTask.Classification,
                "detection" => VisionTask.Detection,
                "generation" => VisionTask.Generation,
                "inpainting" => VisionTask.Inpainting,
                _ => throw r.Bad("task", $"is '{taskText}'; expected classification, detection, generation or inpainting"),
            };
            var labels = r.OptStringArray(root, "labels") ?? [];
            var input = root.TryGetProperty("input", out var inEl) ? ReadInput(r, inEl) : null;
            var det = root.TryGetProperty("detection", out var detEl) ? ReadDetection(r, detEl) : null;
            var gen = root.TryGetProperty("generation", out var genEl) ? ReadGeneration(r, genEl) : null;
            var inp = root.TryGetProperty("inpainting", out var inpEl) ? ReadInpainting(r, inpEl) : null;

            switch (task)
            {
                case VisionTask.Classification:
                    if (input is null) throw r.Bad("input", "is required for task 'classification'");
                    break;
                case VisionTask.Detection:
                    if (input is null) throw r.Bad("input", "is required for task 'detection'");
                    if (det is null) throw r.Bad("detection", "is required for task 'detection'");
                    if (labels.Length > 0 && labels.Length != det.NumClasses)
                        throw r.Bad("labels", $"has {labels.Length} entries but detection.num_classes is {det.NumClasses}");
                    break;
                case VisionTask.Generation:
                    if (gen is null) throw r.Bad("generation", "is required for task 'generation'");
                    if (labels.Length > 0 && gen.Label is not null && labels.Length != gen.NumClasses)
                        throw r.Bad("labels", $"has {labels.Length} entries but generation.num_classes is {gen.NumClasses}");
                    break;
                case VisionTask.Inpainting:
                    if (input is null) throw r.Bad("input", "is required for task 'inpainting'");
                    if (inp is null) throw r.Bad("inpainting", "is required for task 'inpainting'");
                    break;
            }
            return new ModelMetadata
            {
                Format = format, Task = task, Name = r.OptString(root, "name") ?? "", Description = r.OptString(root, "description") ?? "",
                Labels = labels, Input = input, Detection = det, Generation = gen, Inpainting = inp, SourcePath = source,
            };
        }
    }

    private static ImageInputSpec ReadInput(Reader r, JsonElement e)
    {
        r.Object(e, "input");
        string colorText = r.OptString(e, "color", "input.") ?? "rgb";
        var color = colorText switch
        {
            "gray" or "grey" => ColorMode.Gray,
            "rgb" => ColorMode.Rgb,
            "bgr" => ColorMode.Bgr,
            _ => throw r.Bad("input.color", $"is '{colorText}'; expected gray, rgb or bgr"),
        };
        string resizeText = r.OptString(e, "resize", "input.") ?? "stretch";
        var resize = resizeText switch
        {
            "stretch" => ResizeMode.Stretch,
            "letterbox" => ResizeMode.Letterbox,
            "center-crop" or "centre-crop" => ResizeMode.CenterCrop,
            _ => throw r.Bad("input.resize", $"is '{resizeText}'; expected stretch, letterbox or center-crop"),
        };
        int channels = color == ColorMode.Gray ? 1 : 3;
        float[] mean = r.OptFloatArray(e, "mean", "input.") ?? new float[channels];
        float[] std = r.OptFloatArray(e, "std", "input.") ?? Enumerable.Repeat(1f, channels).ToArray();
        int? pad = r.OptInt(e, "pad_value", "input.");
        if (pad is < 0 or > 255) throw r.Bad("input.pad_value", $"must be 0..255, got {pad}");
        var spec = new ImageInputSpec
        {
            Name = r.ReqString(e, "name", "input."),
            Width = r.ReqPositiveInt(e, "width", "input."),
            Height = r.ReqPositiveInt(e, "height", "input."),
            Color = color,
            Resize = resize,
            Scale = r.OptFloat(e, "scale", "input.") ?? 255f,
            Mean = mean,
            Std = std,
            CropFraction = r.OptFloat(e, "crop_fraction", "input.") ?? 1f,
            PadValue = (byte)(pad ?? 0),
        };
        spec.Validate(r.Source);
        return spec;
    }

    private static DetectionSpec ReadDetection(Reader r, JsonElement e)
    {
        r.Object(e, "detection");
        if (!e.TryGetProperty("anchors", out var a)) throw r.Bad("detection.anchors", "is missing");
        if (a.ValueKind != JsonValueKind.Array || a.GetArrayLength() == 0)
            throw r.Bad("detection.anchors", "must be a non-empty array of [width, height] pairs");
        var anchors = new List<(float, float)>();
        foreach (var pair in a.EnumerateArray())
        {
            if (pair.ValueKind != JsonValueKind.Array || pair.GetArrayLength() != 2
                || pair[0].ValueKind != JsonValueKind.Number || pair[1].ValueKind != JsonValueKind.Number)
                throw r.Bad("detection.anchors", "must be a non-empty array of [width, height] pairs");
            float w = pair[0].GetSingle(), h = pair[1].GetSingle();
            if (!(w > 0) || !(h > 0) || !float.IsFinite(w) || !float.IsFinite(h)) throw r.Bad("detection.anchors", "sizes must be positive");
            anchors.Add((w, h));
        }
        return new DetectionSpec
        {
            Output = r.ReqString(e, "output", "detection."),
            Grid = r.ReqPositiveInt(e, "grid", "detection."),
            Anchors = anchors.ToArray(),
            NumClasses = r.ReqPositiveInt(e, "num_classes", "detection."),
        };
    }

    private static GenerationSpec ReadGeneration(Reader r, JsonElement e)
    {
        r.Object(e, "generation");
        string? label = r.OptString(e, "label", "generation.");
        int classes = r.OptInt(e, "num_classes", "generation.") ?? 0;
        if (label is not null && classes < 1) throw r.Bad("generation.num_classes", "must be a positive integer when 'label' is given");
        if (classes < 0) throw r.Bad("generation.num_classes", "must not be negative");
        var range = r.OptFloatArray(e, "output_range", "generation.") ?? [-1f, 1f];
        if (range.Length != 2 || !(range[1] > range[0])) throw r.Bad("generation.output_range", "must be [lo, hi] with hi > lo");
        return new GenerationSpec
        {
            Latent = r.ReqString(e, "latent", "generation."),
            Label = label,
            LatentSize = r.ReqPositiveInt(e, "latent_size", "generation."),
            NumClasses = classes,
            Output = r.ReqString(e, "output", "generation."),
            OutputRange = (range[0], range[1]),
        };
    }

    private static InpaintingSpec ReadInpainting(Reader r, JsonElement e)
    {
        r.Object(e, "inpainting");
        return new InpaintingSpec
        {
            Image = r.ReqString(e, "image", "inpainting."),
            Mask = r.ReqString(e, "mask", "inpainting."),
            Output = r.ReqString(e, "output", "inpainting."),
        };
    }

    /// <summary>Typed field access whose errors say "FILE: field 'a.b' ...".</summary>
    private sealed class Reader(string source)
    {
        public string Source { get; } = source;

        public InputException Bad(string field, string what) =>
            new(field.Length == 0 ? $"{Source}: model metadata {what}" : $"{Source}: model metadata field '{field}' {what}");

        public void Object(JsonElement e, string field)
        {
            if (e.ValueKind != JsonValueKind.Object) throw Bad(field, "must be an object");
        }

        public string ReqString(JsonElement e, string name, string prefix = "") =>
            OptString(e, name, prefix) ?? throw Bad(prefix + name, "is missing");

        public string? OptString(JsonElement e, string name, string prefix = "")
        {
            if (!e.TryGetProperty(name, out var v) || v.ValueKind == JsonValueKind.Null) return null;
            if (v.ValueKind != JsonValueKind.String) throw Bad(prefix + name, "must be a string");
            return v.GetString()!;
        }

        public int? OptInt(JsonElement e, string name, string prefix = "")
        {
            if (!e.TryGetProperty(name, out var v) || v.ValueKind == JsonValueKind.Null) return null;
            if (v.ValueKind != JsonValueKind.Number || !v.TryGetInt32(out int i)) throw Bad(prefix + name, $"must be an integer, got {v.GetRawText()}");
            return i;
        }

        public int ReqPositiveInt(JsonElement e, string name, string prefix = "")
        {
            int i = OptInt(e, name, prefix) ?? throw Bad(prefix + name, "is missing");
            if (i < 1) throw Bad(prefix + name, $"must be a positive integer, got {i}");
            return i;
        }

        public float? OptFloat(JsonElement e, string name, string prefix = "")
        {
            if (!e.TryGetProperty(name, out var v) || v.ValueKind == JsonValueKind.Null) return null;
            if (v.ValueKind != JsonValueKind.Number) throw Bad(prefix + name, $"must be a number, got {v.GetRawText()}");
            float f = v.GetSingle();
            if (!float.IsFinite(f)) throw Bad(prefix + name, "must be finite");
            return f;
        }

        public float[]? OptFloatArray(JsonElement e, string name, string prefix = "")
        {
            if (!e.TryGetProperty(name, out var v) || v.ValueKind == JsonValueKind.Null) return null;
            if (v.ValueKind == JsonValueKind.Number) return [v.GetSingle()];
            if (v.ValueKind != JsonValueKind.Array || v.EnumerateArray().Any(x => x.ValueKind != JsonValueKind.Number))
                throw Bad(prefix + name, "must be an array of numbers");
            return v.EnumerateArray().Select(x => x.GetSingle()).ToArray();
        }

        public string[]? OptStringArray(JsonElement e, string name, string prefix = "")
        {
            if (!e.TryGetProperty(name, out var v) || v.ValueKind == JsonValueKind.Null) return null;
            if (v.ValueKind != JsonValueKind.Array || v.EnumerateArray().Any(x => x.ValueKind != JsonValueKind.String))
                throw Bad(prefix + name, "must be an array of strings");
            return v.EnumerateArray().Select(x => x.GetString()!).ToArray();
        }
    }

    /// <summary>Reads a labels file: one label per line (blank lines at the end ignored), or a JSON array of strings.</summary>
    public static string[] LoadLabels(string path)
    {
        if (!File.Exists(path)) throw new InputException($"{path}: labels file not found");
        string text = File.ReadAllText(path);
        if (text.TrimStart().StartsWith('['))
        {
            try
            {
                var labels = JsonSerializer.Deserialize<string[]>(text);
                if (labels is null || labels.Length == 0) throw new InputException($"{path}: labels file holds no labels");
                return labels;
            }
            catch (JsonException e) { throw new InputException($"{path}: labels file is not a JSON array of strings: {e.Message}", e); }
        }
        var lines = text.Replace("\r\n", "\n").Split('\n').ToList();
        while (lines.Count > 0 && lines[^1].Trim().Length == 0) lines.RemoveAt(lines.Count - 1);
        if (lines.Count == 0) throw new InputException($"{path}: labels file holds no labels");
        return lines.Select(l => l.Trim()).ToArray();
    }

    /// <summary>Formats numbers for messages and JSON the same way on every machine.</summary>
    internal static string F(double v) => v.ToString("G6", CultureInfo.InvariantCulture);
}
