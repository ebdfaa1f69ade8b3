using KernelVision.Backends;
using KernelVision.Execution;
using KernelVision.Graph;
using KernelVision.Tensors;

namespace KernelVision.Vision;

/// <summary>How a <see cref="VisionModel"/> is opened.</summary>
public sealed record VisionOptions
{
    /// <summary>Backend name for <see cref="BackendFactory"/> ("auto" included); null picks <see cref="BackendFactory.DefaultName"/> (cpu).</summary>
    public string? Backend { get; init; }
    /// <summary>Image decoding limits.</summary>
    public ImageLimits Limits { get; init; } = ImageLimits.Default;
    /// <summary>Metadata file to use instead of the one beside the model (X.json for X.onnx).</summary>
    public string? MetadataPath { get; init; }
}

/// <summary>
/// An ONNX model opened for a vision task: the inference session on the chosen backend plus the
/// model.json metadata beside it (when present). Dispose it (or use <c>using</c>) to release the
/// session's plans and kernels.
/// </summary>
public sealed class VisionModel : IDisposable
{
    /// <summary>The .onnx file.</summary>
    public string ModelPath { get; }
    /// <summary>Metadata, or null when the model has none (then options must supply the facts).</summary>
    public ModelMetadata? Metadata { get; }
    /// <summary>The inference session.</summary>
    public InferenceSession Session { get; }
    /// <summary>Options used.</summary>
    public VisionOptions Options { get; }

    private VisionModel(string modelPath, ModelMetadata? metadata, InferenceSession session, VisionOptions options)
    {
        ModelPath = modelPath;
        Metadata = metadata;
        Session = session;
        Options = options;
    }

    /// <summary>Short name for messages: the model file name, or folder/file for model.onnx.</summary>
    public string DisplayName => Path.GetFileName(ModelPath) == "model.onnx"
        ? Path.Combine(Path.GetFileName(Path.GetDirectoryName(Path.GetFullPath(ModelPath))) ?? "", "model.onnx")
        : Path.GetFileName(ModelPath);

    /// <summary>
    /// Opens <paramref name="path"/>: an .onnx file (metadata from the .json of the same name beside it)
    /// or a folder holding model.onnx and model.json (the layout of weights/).
    /// </summary>
    public static VisionModel Open(string path, VisionOptions? options = null)
    {
        options ??= new VisionOptions();
        string onnx = ResolveModelPath(path);
        string? metaPath = options.MetadataPath ?? ModelMetadata.PathFor(onnx);
        var meta = metaPath is null ? null : ModelMetadata.Load(metaPath);
        var session = InferenceSession.Load(onnx, new SessionOptions { Backend = CreateBackend(options.Backend) });
        var m = new VisionModel(onnx, meta, session, options);
        try
        {
            if (meta is not null) m.CheckAgainstGraph(meta);
        }
        catch
        {
            // The caller never sees a model that failed its metadata check, so it cannot dispose it.
            m.Dispose();
            throw;
        }
        return m;
    }

    /// <summary>Releases the inference session (its plans, arenas and kernels). Idempotent.</summary>
    public void Dispose() => Session.Dispose();

    /// <summary>The .onnx file meant by <paramref name="path"/> (a file, or a folder with model.onnx).</summary>
    public static string ResolveModelPath(string path)
    {
        if (Directory.Exists(path))
        {
            string inside = Path.Combine(path, "model.onnx");
            if (File.Exists(inside)) return inside;
            var onnx = Directory.GetFiles(path, "*.onnx");
            if (onnx.Length == 1) return onnx[0];
            throw new InputException($"{path}: folder holds {(onnx.Length == 0 ? "no" : "several")} .onnx files and no model.onnx");
        }
        if (!File.Exists(path)) throw new InputException($"{path}: model file not found");
        return path;
    }

    /// <summary>
    /// The backend called <paramref name="name"/>; for null the default one: cpu (this package
    /// depends on KernelVision.Cpu, which registers itself), else Reference.
    /// </summary>
    public static IBackend CreateBackend(string? name) => name is null ? BackendFactory.CreateDefault() : BackendFactory.Create(name);

    /// <summary>ONNX metadata_props keys that may hold class labels, in the order they are tried.</summary>
    public static IReadOnlyList<string> LabelKeys { get; } = ["labels", "class_labels", "classes", "class_names", "names"];

    /// <summary>
    /// Class labels from the ONNX file's metadata_props (first of <see cref="LabelKeys"/> present),
    /// or null. Accepted: a JSON array of strings, a JSON object or Python dict of index → name
    /// (Ultralytics' "names"), or one name per line / comma-separated.
    /// </summary>
    public IReadOnlyList<string>? OnnxLabels
    {
        get
        {
            foreach (var key in LabelKeys)
                if (Session.Model.Metadata.TryGetValue(key, out var text) && ParseLabels(text) is { Count: > 0 } labels) return labels;
            return null;
        }
    }

    /// <summary>Parses a labels text (see <see cref="OnnxLabels"/>); null when it holds none.</summary>
    public static IReadOnlyList<string>? ParseLabels(string text)
    {
        text = text.Trim();
        if (text.Length == 0) return null;
        if (text[0] is '[' or '{')
        {
            // JSON as is; else a Python dict/list repr ({0: 'person', 1: "bicycle"}) turned into JSON.
            return ParseJsonLabels(text) ?? ParseJsonLabels(PythonToJson(text));
        }
        var parts = text.Contains('\n') ? text.Split('\n') : text.Split(',');
        var list = parts.Select(x => x.Trim()).Where(x => x.Length > 0).ToList();
        return list.Count > 0 ? list : null;
    }

    private static string PythonToJson(string text)
    {
        string json = System.Text.RegularExpressions.Regex.Replace(text, @"(?<=[{,]\s*)(\d+)\s*:", "\"$1\":");
        return System.Text.RegularExpressions.Regex.Replace(json, @"'((?:[^'\\]|\\.)*)'", m => System.Text.Json.JsonSerializer.Serialize(m.Groups[1].Value));
    }

    private static List<string>? ParseJsonLabels(string json)
    {
        try
        {
            using var doc = System.Text.Json.JsonDocument.Parse(json);
            if (doc.RootElement.ValueKind == System.Text.Json.JsonValueKind.Array)
                return doc.RootElement.EnumerateArray().Select(e => e.ToString()).ToList();
            if (doc.RootElement.ValueKind != System.Text.Json.JsonValueKind.Object) return null;
            var byIndex = new SortedDictionary<int, string>();
            foreach (var p in doc.RootElement.EnumerateObject())
                if (int.TryParse(p.Name, out int i) && i >= 0) byIndex[i] = p.Value.ToString();
                else return null;
            // Indices must be exactly 0..K-1.
            return byIndex.Count > 0 && byIndex.Keys.Last() == byIndex.Count - 1 ? byIndex.Values.ToList() : null;
        }
        catch (System.Text.Json.JsonException) { return null; }
    }

    /// <summary>The metadata, required to be present and of <paramref name="task"/>.</summary>
    public ModelMetadata RequireMetadata(VisionTask task)
    {
        if (Metadata is null)
            throw new InputException($"{ModelPath}: no model metadata ({Path.ChangeExtension(ModelPath, ".json")} not found); {task.ToString().ToLowerInvariant()} needs it (see docs/MODEL-METADATA.md)");
        if (Metadata.Task != task)
            throw new InputException($"{Metadata.SourcePath}: model is for {Metadata.Task.ToString().ToLowerInvariant()}, not {task.ToString().ToLowerInvariant()}");
        return Metadata;
    }

    /// <summary>The graph input called <paramref name="name"/>; <paramref name="source"/> names who asked for it.</summary>
    public ValueInfo Input(string name, string source) =>
        Session.Inputs.FirstOrDefault(i => i.Name == name)
        ?? throw new InputException($"{source}: '{name}' is not an input of {DisplayName} (inputs: {string.Join(", ", Session.Inputs.Select(i => i.Name))})");

    /// <summary>Index of the graph output called <paramref name="name"/>.</summary>
    public int OutputIndex(string name, string source)
    {
        for (int i = 0; i < Session.Outputs.Count; i++) if (Session.Outputs[i].Name == name) return i;
        throw new InputException($"{source}: '{name}' is not an output of {DisplayName} (outputs: {string.Join(", ", Session.Outputs.Select(o => o.Name))})");
    }

    /// <summary>Largest batch the input accepts: its declared batch dimension when fixed, else <paramref name="preferred"/>.</summary>
    public int MaxBatch(string inputName, int preferred = 32)
    {
        var decl = Session.Inputs.FirstOrDefault(i => i.Name == inputName);
        return decl?.Shape is { Length: > 0 } s && s[0].Value is long d && d > 0 ? (int)d : preferred;
    }

    /// <summary>Checks an image spec against the declared input shape [N, C, H, W] (fixed dims only).</summary>
    public void CheckImageInput(ImageInputSpec spec, string source)
    {
        var decl = Input(spec.Name, source);
        if (decl.Type != DataType.Float32 && decl.Type != DataType.Undefined)
            throw new InputException($"{DisplayName}: input '{spec.Name}' is {decl.Type.Name()}; image inputs must be float32");
        if (decl.Shape is null) return;
        if (decl.Shape.Length != 4)
            throw new InputException($"{DisplayName}: input '{spec.Name}' is {decl.Describe()}, not an image tensor [N,C,H,W]");
        if (decl.Shape[1].Value is long c && c != spec.Channels)
            throw new InputException($"{source}: colour '{spec.Color.ToString().ToLowerInvariant()}' gives {spec.Channels} channel{(spec.Channels > 1 ? "s" : "")}, but {DisplayName} input '{spec.Name}' has {c} ({decl.Describe()})");
        if (decl.Shape[2].Value is long h && h != spec.Height || decl.Shape[3].Value is long w && w != spec.Width)
            throw new InputException($"{source}: input size {spec.Width}x{spec.Height} does not match {DisplayName} input '{spec.Name}' {decl.Describe()}");
    }

    private void CheckAgainstGraph(ModelMetadata m)
    {
        string src = m.SourcePath;
        if (m.Input is not null) CheckImageInput(m.Input, src);
        if (m.Detection is not null) OutputIndex(m.Detection.Output, src);
        if (m.Generation is { } g)
        {
            Input(g.Latent, src);
            if (g.Label is not null) Input(g.Label, src);
            OutputIndex(g.Output, src);
        }
        if (m.Inpainting is { } p)
        {
            Input(p.Image, src);
            Input(p.Mask, src);
            OutputIndex(p.Output, src);
        }
    }

    /// <summary>
    /// An image input spec for a model without metadata, from its first input's declared shape:
    /// 3 channels → ImageNet convention (RGB, centre crop 0.875, ImageNet mean/std); 1 channel → gray,
    /// stretch, scale 255, mean 0, std 1. Size from the declared H, W, else 224.
    /// </summary>
    public ImageInputSpec DefaultImageInput()
    {
        if (Session.Inputs.Count == 0) throw new InputException($"{DisplayName}: model has no inputs");
        var decl = Session.Inputs[0];
        if (decl.Shape is { Length: not 4 })
            throw new InputException($"{DisplayName}: input '{decl.Name}' is {decl.Describe()}, not an image tensor [N,C,H,W]");
        int c = decl.Shape?[1].Value is long cc ? (int)cc : 3;
        int h = decl.Shape?[2].Value is long hh ? (int)hh : 224, w = decl.Shape?[3].Value is long ww ? (int)ww : 224;
        if (c == 3) return ImageInputSpec.ImageNet(decl.Name, w, h);
        if (c == 1) return new ImageInputSpec { Name = decl.Name, Width = w, Height = h, Color = ColorMode.Gray, Mean = [0f], Std = [1f] };
        throw new InputException($"{DisplayName}: input '{decl.Name}' has {c} channels; images give 1 (gray) or 3 (RGB/BGR)");
    }

    /// <summary>Runs with named inputs and returns the named outputs' tensors (copied: safe to keep).</summary>
    public Tensor[] Run(IReadOnlyDictionary<string, Tensor> feeds, params string[] outputs)
    {
        var r = Session.Run(feeds);
        return outputs.Select(o => r.TryGetValue(o, out var t) ? t.Clone()
            : throw new InputException($"{DisplayName}: output '{o}' was not produced")).ToArray();
    }
}
