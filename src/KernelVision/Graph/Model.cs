using KernelVision.Tensors;

namespace KernelVision.Graph;

/// <summary>A computation graph: nodes, constant initializers and declared inputs/outputs.</summary>
public sealed class ModelGraph
{
    /// <summary>Graph name.</summary>
    public string Name { get; set; } = "";
    /// <summary>Nodes in file order (the session sorts them topologically).</summary>
    public List<Node> Nodes { get; set; } = [];
    /// <summary>Constant tensors by value name (weights).</summary>
    public Dictionary<string, Tensor> Initializers { get; } = new(StringComparer.Ordinal);
    /// <summary>Inputs the caller must feed (initializers that are also listed as inputs are excluded, but stay overridable).</summary>
    public List<ValueInfo> Inputs { get; } = [];
    /// <summary>Initializers also declared as graph inputs: the caller may override them.</summary>
    public List<ValueInfo> OverridableInitializers { get; } = [];
    /// <summary>Graph outputs in declaration order.</summary>
    public List<ValueInfo> Outputs { get; } = [];
    /// <summary>Declared intermediate value types, used only as hints.</summary>
    public Dictionary<string, ValueInfo> ValueInfos { get; } = new(StringComparer.Ordinal);
}

/// <summary>A loaded model: graph plus file-level metadata.</summary>
public sealed class Model
{
    /// <summary>ONNX IR version.</summary>
    public long IrVersion { get; set; }
    /// <summary>Producer name and version, e.g. "pytorch 1.13.1".</summary>
    public string Producer { get; set; } = "";
    /// <summary>Opset version per domain ("" = ai.onnx).</summary>
    public Dictionary<string, long> Opsets { get; } = new(StringComparer.Ordinal);
    /// <summary>Free-form key/value metadata.</summary>
    public Dictionary<string, string> Metadata { get; } = new(StringComparer.Ordinal);
    /// <summary>The main graph.</summary>
    public required ModelGraph Graph { get; init; }
    /// <summary>True when the file held float16 tensors, types or casts, which were converted to float32 on load.</summary>
    public bool ConvertedFromFloat16 { get; set; }
    /// <summary>Path it was loaded from, for messages; null when built in memory.</summary>
    public string? Path { get; set; }

    /// <summary>The ai.onnx opset version.</summary>
    public int OnnxOpset => (int)(Opsets.TryGetValue("", out var v) ? v : Opsets.GetValueOrDefault("ai.onnx", 1));

    /// <summary>How messages name the model: its file name, or "model".</summary>
    public string DisplayName => Path is null ? "model" : System.IO.Path.GetFileName(Path);
}
