namespace KernelVision.Graph;

/// <summary>One operator application in the graph, as the model states it.</summary>
public sealed class Node
{
    /// <summary>Node name (ONNX allows empty; <see cref="DisplayName"/> then falls back to the first output).</summary>
    public string Name { get; set; } = "";
    /// <summary>Operator type, e.g. "Conv".</summary>
    public required string OpType { get; set; }
    /// <summary>Operator domain; "" is ai.onnx.</summary>
    public string Domain { get; set; } = "";
    /// <summary>Input value names; "" marks an omitted optional input.</summary>
    public List<string> Inputs { get; set; } = [];
    /// <summary>Output value names; "" marks an unused optional output.</summary>
    public List<string> Outputs { get; set; } = [];
    /// <summary>Attributes.</summary>
    public required AttributeSet Attributes { get; set; }

    /// <summary>How messages name the node: "node 'conv1' (Conv)".</summary>
    public string DisplayName => $"node '{(Name.Length > 0 ? Name : Outputs.FirstOrDefault(o => o.Length > 0) ?? "?")}' ({OpType})";

    /// <inheritdoc/>
    public override string ToString() => DisplayName;
}
