using KernelVision.Tensors;

namespace KernelVision.Graph;

/// <summary>Kinds of attribute values, as ONNX's AttributeType.</summary>
public enum AttributeKind { Float, Int, String, Tensor, Graph, Floats, Ints, Strings, Tensors, Graphs, Other }

/// <summary>One attribute of a node, already decoded from protobuf.</summary>
public sealed class Attribute
{
    /// <summary>Attribute name.</summary>
    public required string Name { get; init; }
    /// <summary>Which of the value properties is meaningful.</summary>
    public required AttributeKind Kind { get; init; }
    /// <summary>FLOAT value.</summary>
    public float Float { get; init; }
    /// <summary>INT value.</summary>
    public long Int { get; init; }
    /// <summary>STRING value (UTF-8 decoded).</summary>
    public string String { get; init; } = "";
    /// <summary>TENSOR value.</summary>
    public Tensor? Tensor { get; init; }
    /// <summary>FLOATS value.</summary>
    public float[] Floats { get; init; } = [];
    /// <summary>INTS value.</summary>
    public long[] Ints { get; init; } = [];
    /// <summary>STRINGS value.</summary>
    public string[] Strings { get; init; } = [];
    /// <summary>TENSORS value.</summary>
    public Tensor[] Tensors { get; init; } = [];
}

/// <summary>
/// A node's attributes with typed getters. Every failure names the node, so an op's parsing code
/// never has to build its own messages.
/// </summary>
public sealed class AttributeSet
{
    private readonly Dictionary<string, Attribute> _map;
    private readonly string _owner;

    /// <summary>Creates the set; <paramref name="owner"/> is how errors name the node.</summary>
    public AttributeSet(IEnumerable<Attribute> attributes, string owner)
    {
        _owner = owner;
        _map = new Dictionary<string, Attribute>(StringComparer.Ordinal);
        foreach (var a in attributes)
        {
            if (!_map.TryAdd(a.Name, a))
                throw new GraphException($"{owner}: attribute '{a.Name}' is given twice");
        }
    }

    /// <summary>All attributes.</summary>
    public IEnumerable<Attribute> All => _map.Values;

    /// <summary>True when the attribute is present.</summary>
    public bool Has(string name) => _map.ContainsKey(name);

    /// <summary>The raw attribute or null.</summary>
    public Attribute? Find(string name) => _map.GetValueOrDefault(name);

    private Attribute Get(string name, AttributeKind kind)
    {
        if (!_map.TryGetValue(name, out var a)) throw new GraphException($"{_owner}: required attribute '{name}' is missing");
        if (a.Kind != kind) throw new GraphException($"{_owner}: attribute '{name}' must be {kind}, got {a.Kind}");
        return a;
    }

    /// <summary>INT attribute or <paramref name="fallback"/>.</summary>
    public long GetInt(string name, long fallback) => Has(name) ? Get(name, AttributeKind.Int).Int : fallback;
    /// <summary>Required INT attribute.</summary>
    public long GetInt(string name) => Get(name, AttributeKind.Int).Int;
    /// <summary>FLOAT attribute or <paramref name="fallback"/>.</summary>
    public float GetFloat(string name, float fallback) => Has(name) ? Get(name, AttributeKind.Float).Float : fallback;
    /// <summary>STRING attribute or <paramref name="fallback"/>.</summary>
    public string GetString(string name, string fallback) => Has(name) ? Get(name, AttributeKind.String).String : fallback;
    /// <summary>INTS attribute or null when absent.</summary>
    public long[]? GetInts(string name) => Has(name) ? Get(name, AttributeKind.Ints).Ints : null;
    /// <summary>FLOATS attribute or null when absent.</summary>
    public float[]? GetFloats(string name) => Has(name) ? Get(name, AttributeKind.Floats).Floats : null;
    /// <summary>TENSOR attribute or null when absent.</summary>
    public Tensor? GetTensor(string name) => Has(name) ? Get(name, AttributeKind.Tensor).Tensor : null;

    /// <summary>INTS attribute converted to int, each value range-checked.</summary>
    public int[]? GetIntArray(string name)
    {
        var v = GetInts(name);
        if (v is null) return null;
        var r = new int[v.Length];
        for (int i = 0; i < v.Length; i++)
        {
            if (v[i] is < int.MinValue or > int.MaxValue)
                throw new GraphException($"{_owner}: attribute '{name}' value {v[i]} is out of range");
            r[i] = (int)v[i];
        }
        return r;
    }

    /// <summary>INT attribute converted to int and range-checked.</summary>
    public int GetInt32(string name, int fallback)
    {
        long v = GetInt(name, fallback);
        if (v is < int.MinValue or > int.MaxValue) throw new GraphException($"{_owner}: attribute '{name}' value {v} is out of range");
        return (int)v;
    }
}

/// <summary>Short constructors for attributes, for code that builds graphs (tests, passes, tools).</summary>
public static class Attr
{
    /// <summary>INT attribute.</summary>
    public static Attribute Int(string name, long v) => new() { Name = name, Kind = AttributeKind.Int, Int = v };
    /// <summary>FLOAT attribute.</summary>
    public static Attribute Float(string name, float v) => new() { Name = name, Kind = AttributeKind.Float, Float = v };
    /// <summary>STRING attribute.</summary>
    public static Attribute String(string name, string v) => new() { Name = name, Kind = AttributeKind.String, String = v };
    /// <summary>INTS attribute.</summary>
    public static Attribute Ints(string name, params long[] v) => new() { Name = name, Kind = AttributeKind.Ints, Ints = v };
    /// <summary>FLOATS attribute.</summary>
    public static Attribute Floats(string name, params float[] v) => new() { Name = name, Kind = AttributeKind.Floats, Floats = v };
    /// <summary>TENSOR attribute.</summary>
    public static Attribute Tensor(string name, Tensors.Tensor v) => new() { Name = name, Kind = AttributeKind.Tensor, Tensor = v };
}
