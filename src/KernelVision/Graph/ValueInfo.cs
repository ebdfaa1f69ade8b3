using KernelVision.Tensors;

namespace KernelVision.Graph;

/// <summary>A dimension as declared: a fixed size, a symbolic name, or unknown.</summary>
public readonly record struct Dim(long? Value, string? Param)
{
    /// <inheritdoc/>
    public override string ToString() => Value?.ToString() ?? Param ?? "?";
}

/// <summary>A declared graph input/output/intermediate: name, element type and (partial) shape.</summary>
public sealed record ValueInfo(string Name, DataType Type, Dim[]? Shape)
{
    /// <summary>"float32[N,3,224,224]".</summary>
    public string Describe() => Type.Name() + (Shape is null ? "[?]" : "[" + string.Join(",", Shape.Select(d => d.ToString())) + "]");

    /// <summary>True when every dimension is a known number.</summary>
    public bool IsStatic => Shape is not null && Shape.All(d => d.Value is not null);

    /// <summary>The shape when fully static, else null.</summary>
    public int[]? StaticShape => IsStatic ? Shape!.Select(d => (int)d.Value!.Value).ToArray() : null;
}
