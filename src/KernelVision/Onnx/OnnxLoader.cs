using System.Text;
using Google.Protobuf;
using KernelVision.Graph;
using KernelVision.Onnx.Proto;
using KernelVision.Tensors;

namespace KernelVision.Onnx;

/// <summary>Reads ONNX model files into the graph IR, validating structure as it goes.</summary>
public static class OnnxLoader
{
    /// <summary>Loads the model at <paramref name="path"/> (external data resolved relative to its folder).</summary>
    public static Model Load(string path, LoadLimits? limits = null)
    {
        limits ??= LoadLimits.Default;
        string name = Path.GetFileName(path);
        FileInfo info = new(path);
        if (!info.Exists) throw new ModelFormatException($"{path}: model file not found");
        if (info.Length > limits.MaxFileBytes)
            throw new ModelFormatException($"{name}: file of {info.Length} bytes exceeds the limit of {limits.MaxFileBytes}");
        // Parsed from the stream, not from a byte[] of the whole file: for a 500 MB VGG that is
        // 500 MB less at the load-time peak (the weights then exist only as the parsed protobuf
        // fields and the tensors converted from them).
        ModelProto proto;
        try
        {
            using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16);
            proto = Parse(() => ModelProto.Parser.ParseFrom(stream), name);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new ModelFormatException($"{path}: cannot read: {e.Message}", e);
        }
        var model = Convert(proto, Path.GetDirectoryName(Path.GetFullPath(path)), name, limits, consume: true);
        model.Path = path;
        ReleaseLoadGarbage(info.Length);
        return model;
    }

    /// <summary>
    /// After a large model, the parsed protobuf (as big as the weights) is garbage. Collecting it
    /// now, compacting the large-object heap, lets the session's packed weights reuse that memory
    /// instead of growing the process: measured on ResNet-18, the peak resident set drops by
    /// tens of MiB. Small models skip it; a collection costs milliseconds.
    /// </summary>
    private static void ReleaseLoadGarbage(long fileBytes)
    {
        if (fileBytes < 16 << 20) return;
        System.Runtime.GCSettings.LargeObjectHeapCompactionMode = System.Runtime.GCLargeObjectHeapCompactionMode.CompactOnce;
        GC.Collect(GC.MaxGeneration, GCCollectionMode.Forced, blocking: true, compacting: true);
    }

    private static ModelProto Parse(Func<ModelProto> parse, string displayName)
    {
        try { return parse(); }
        catch (InvalidProtocolBufferException e)
        {
            throw new ModelFormatException($"{displayName}: not a valid ONNX model (protobuf: {e.Message})", e);
        }
        catch (Exception e) when (e is ArgumentException or InvalidOperationException or OverflowException or IndexOutOfRangeException)
        {
            throw new ModelFormatException($"{displayName}: not a valid ONNX model ({e.Message})", e);
        }
    }

    /// <summary>Loads a model from bytes; <paramref name="baseDir"/> enables external data.</summary>
    public static Model Load(byte[] bytes, string? baseDir = null, string displayName = "model", LoadLimits? limits = null)
    {
        limits ??= LoadLimits.Default;
        if (bytes.LongLength > limits.MaxFileBytes)
            throw new ModelFormatException($"{displayName}: model of {bytes.LongLength} bytes exceeds the limit of {limits.MaxFileBytes}");
        var proto = Parse(() => ModelProto.Parser.ParseFrom(bytes), displayName);
        return Convert(proto, baseDir, displayName, limits, consume: true);
    }

    /// <summary>Converts a parsed ModelProto (left unchanged).</summary>
    public static Model FromProto(ModelProto proto, string? baseDir, string displayName, LoadLimits limits) =>
        Convert(proto, baseDir, displayName, limits, consume: false);

    /// <summary>
    /// <paramref name="consume"/>: the proto is ours, and each initializer's bytes are dropped as
    /// soon as they are converted, so the garbage collector can reuse that memory for the next
    /// tensor instead of the process holding the model twice.
    /// </summary>
    private static Model Convert(ModelProto proto, string? baseDir, string displayName, LoadLimits limits, bool consume)
    {
        if (proto.Graph is null) throw new ModelFormatException($"{displayName}: the file has no graph (is it an ONNX model?)");
        // Cheap counts first, so an oversized graph is refused before anything is decoded for it.
        if (proto.Graph.Node.Count > limits.MaxNodes)
            throw new ModelFormatException($"{displayName}: {proto.Graph.Node.Count} nodes exceed the limit of {limits.MaxNodes}");
        var opsets = new Dictionary<string, long>(StringComparer.Ordinal);
        foreach (var op in proto.OpsetImport)
        {
            string domain = op.Domain == "ai.onnx" ? "" : op.Domain;
            if (op.Version is < 1 or > MaxOpsetVersion)
                throw new ModelFormatException($"{displayName}: opset import '{(domain.Length > 0 ? domain : "ai.onnx")}' has invalid version {op.Version}");
            if (!opsets.TryAdd(domain, op.Version))
                throw new ModelFormatException($"{displayName}: opset import '{(domain.Length > 0 ? domain : "ai.onnx")}' is given twice");
        }
        var ctx = new Ctx(baseDir, displayName, limits, new WeightBudget(limits.MaxWeightBytes, displayName));
        var model = new Model { Graph = ReadGraph(proto.Graph, ctx, consume) };
        model.IrVersion = proto.IrVersion;
        model.Producer = (proto.ProducerName + " " + proto.ProducerVersion).Trim();
        foreach (var (domain, version) in opsets) model.Opsets[domain] = version;
        if (!model.Opsets.ContainsKey("")) model.Opsets[""] = 1;
        foreach (var kv in proto.MetadataProps) model.Metadata[kv.Key] = kv.Value;
        model.ConvertedFromFloat16 = UsesFloat16(proto.Graph);
        return model;
    }

    // float16 models are converted to float32 on load: tensors as they are decoded
    // (TensorProtoConverter), declared value types (ReadValueInfo) and Cast targets (ReadNode).
    private static bool UsesFloat16(GraphProto? g) => g is not null && (
        g.Initializer.Any(t => t.DataType == (int)DataType.Float16)
        || g.Input.Concat(g.Output).Concat(g.ValueInfo).Any(v => v.Type?.TensorType?.ElemType == (int)DataType.Float16)
        || g.Node.Any(n => n.OpType == "Cast" && n.Attribute.Any(a => a.Name == "to" && a.I == (int)DataType.Float16)));

    // Far above any real opset, far below int overflow when the session narrows it.
    private const long MaxOpsetVersion = 10_000;

    private sealed record Ctx(string? BaseDir, string File, LoadLimits Limits, WeightBudget Budget);

    private static ModelGraph ReadGraph(GraphProto g, Ctx ctx, bool consume = false)
    {
        var graph = new ModelGraph { Name = g.Name };
        foreach (var init in g.Initializer)
        {
            if (string.IsNullOrEmpty(init.Name)) throw new ModelFormatException($"{ctx.File}: an initializer has no name");
            var t = TensorProtoConverter.ToTensor(init, ctx.BaseDir, $"{ctx.File}: initializer '{init.Name}'", ctx.Limits, ctx.Budget);
            if (consume) init.RawData = ByteString.Empty;
            if (!graph.Initializers.TryAdd(init.Name, t))
                throw new ModelFormatException($"{ctx.File}: initializer '{init.Name}' is defined twice");
        }
        if (g.SparseInitializer.Count > 0)
            throw new UnsupportedException($"{ctx.File}: sparse initializers are not supported ('{g.SparseInitializer[0].Values?.Name}')");

        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var vi in g.Input)
        {
            var v = ReadValueInfo(vi, ctx, "input");
            if (!seen.Add(v.Name)) throw new ModelFormatException($"{ctx.File}: graph input '{v.Name}' is declared twice");
            if (graph.Initializers.ContainsKey(v.Name)) graph.OverridableInitializers.Add(v);
            else graph.Inputs.Add(v);
        }
        foreach (var vi in g.Output) graph.Outputs.Add(ReadValueInfo(vi, ctx, "output"));
        foreach (var vi in g.ValueInfo)
        {
            if (vi.Type?.TensorType is null) continue;
            var v = ReadValueInfo(vi, ctx, "value_info");
            graph.ValueInfos[v.Name] = v;
        }
        int index = 0;
        foreach (var n in g.Node) graph.Nodes.Add(ReadNode(n, ctx, index++));
        return graph;
    }

    private static ValueInfo ReadValueInfo(ValueInfoProto vi, Ctx ctx, string role)
    {
        if (string.IsNullOrEmpty(vi.Name)) throw new ModelFormatException($"{ctx.File}: a graph {role} has no name");
        var tt = vi.Type?.TensorType;
        if (vi.Type is not null && vi.Type.ValueCase != TypeProto.ValueOneofCase.TensorType && vi.Type.ValueCase != TypeProto.ValueOneofCase.None)
            throw new UnsupportedException($"{ctx.File}: graph {role} '{vi.Name}' is a {vi.Type.ValueCase}, only tensors are supported");
        // ONNX element types run 0..23 (FLOAT4E2M1, IR 11); anything else is damage, refused here rather
        // than echoed back later as an input "must be -727379968".
        if (tt is not null && tt.ElemType is < 0 or > 23)
            throw new ModelFormatException($"{ctx.File}: graph {role} '{vi.Name}' has element type {tt.ElemType}, which is not an ONNX element type");
        var type = tt is null ? DataType.Undefined : (DataType)tt.ElemType;
        if (type == DataType.Float16) type = DataType.Float32; // float16 models run in float32 (see ReadModel)
        Dim[]? shape = null;
        if (tt?.Shape is not null)
        {
            if (tt.Shape.Dim.Count > ctx.Limits.MaxRank)
                throw new ModelFormatException($"{ctx.File}: graph {role} '{vi.Name}' has rank {tt.Shape.Dim.Count}, above the limit of {ctx.Limits.MaxRank}");
            shape = new Dim[tt.Shape.Dim.Count];
            for (int i = 0; i < shape.Length; i++)
            {
                var d = tt.Shape.Dim[i];
                shape[i] = d.ValueCase switch
                {
                    TensorShapeProto.Types.Dimension.ValueOneofCase.DimValue when d.DimValue is >= 0 and <= int.MaxValue => new Dim(d.DimValue, null),
                    TensorShapeProto.Types.Dimension.ValueOneofCase.DimValue => throw new ModelFormatException($"{ctx.File}: graph {role} '{vi.Name}' has invalid dimension {d.DimValue}"),
                    TensorShapeProto.Types.Dimension.ValueOneofCase.DimParam => new Dim(null, d.DimParam),
                    _ => new Dim(null, null),
                };
            }
        }
        return new ValueInfo(vi.Name, type, shape);
    }

    private static Node ReadNode(NodeProto n, Ctx ctx, int index)
    {
        if (string.IsNullOrEmpty(n.OpType)) throw new ModelFormatException($"{ctx.File}: node #{index} ('{n.Name}') has no op_type");
        string owner = $"node '{(n.Name.Length > 0 ? n.Name : n.Output.FirstOrDefault() ?? "#" + index)}' ({n.OpType})";
        var attrs = new List<Graph.Attribute>();
        foreach (var a in n.Attribute)
        {
            var attr = ReadAttribute(a, ctx, owner);
            // A cast to float16 becomes a cast to float32: float16 values are held as float32.
            if (n.OpType == "Cast" && attr.Name == "to" && attr.Int == (long)DataType.Float16)
                attr = new Graph.Attribute { Name = attr.Name, Kind = attr.Kind, Int = (long)DataType.Float32 };
            attrs.Add(attr);
        }
        return new Node
        {
            Name = n.Name,
            OpType = n.OpType,
            Domain = n.Domain == "ai.onnx" ? "" : n.Domain,
            Inputs = [.. n.Input],
            Outputs = [.. n.Output],
            Attributes = new AttributeSet(attrs, owner),
        };
    }

    private static Graph.Attribute ReadAttribute(AttributeProto a, Ctx ctx, string owner)
    {
        string what = $"{ctx.File}: {owner} attribute '{a.Name}'";
        if (!string.IsNullOrEmpty(a.RefAttrName))
            throw new UnsupportedException($"{what} refers to a function attribute, which only functions may do");
        var type = a.HasType ? a.Type : Infer(a);
        return type switch
        {
            AttributeProto.Types.AttributeType.Float => new() { Name = a.Name, Kind = AttributeKind.Float, Float = a.F },
            AttributeProto.Types.AttributeType.Int => new() { Name = a.Name, Kind = AttributeKind.Int, Int = a.I },
            AttributeProto.Types.AttributeType.String => new() { Name = a.Name, Kind = AttributeKind.String, String = Utf8(a.S, what) },
            AttributeProto.Types.AttributeType.Tensor when a.T is not null => new()
            {
                Name = a.Name,
                Kind = AttributeKind.Tensor,
                Tensor = TensorProtoConverter.ToTensor(a.T, ctx.BaseDir, what, ctx.Limits, ctx.Budget),
            },
            AttributeProto.Types.AttributeType.Floats => new() { Name = a.Name, Kind = AttributeKind.Floats, Floats = [.. a.Floats] },
            AttributeProto.Types.AttributeType.Ints => new() { Name = a.Name, Kind = AttributeKind.Ints, Ints = [.. a.Ints] },
            AttributeProto.Types.AttributeType.Strings => new() { Name = a.Name, Kind = AttributeKind.Strings, Strings = a.Strings.Select(s => Utf8(s, what)).ToArray() },
            AttributeProto.Types.AttributeType.Tensors => new()
            {
                Name = a.Name,
                Kind = AttributeKind.Tensors,
                Tensors = a.Tensors.Select(t => TensorProtoConverter.ToTensor(t, ctx.BaseDir, what, ctx.Limits, ctx.Budget)).ToArray(),
            },
            AttributeProto.Types.AttributeType.Graph or AttributeProto.Types.AttributeType.Graphs =>
                new() { Name = a.Name, Kind = type == AttributeProto.Types.AttributeType.Graph ? AttributeKind.Graph : AttributeKind.Graphs },
            AttributeProto.Types.AttributeType.SparseTensor or AttributeProto.Types.AttributeType.SparseTensors
                or AttributeProto.Types.AttributeType.TypeProto or AttributeProto.Types.AttributeType.TypeProtos =>
                new() { Name = a.Name, Kind = AttributeKind.Other },
            _ => throw new ModelFormatException($"{what} has no value or an unknown type ({(int)type})"),
        };
    }

    // IR version 1 files may omit `type`; infer it from which field is set, as ONNX's checker does.
    private static AttributeProto.Types.AttributeType Infer(AttributeProto a)
    {
        if (a.HasF) return AttributeProto.Types.AttributeType.Float;
        if (a.HasI) return AttributeProto.Types.AttributeType.Int;
        if (a.HasS) return AttributeProto.Types.AttributeType.String;
        if (a.T is not null) return AttributeProto.Types.AttributeType.Tensor;
        if (a.G is not null) return AttributeProto.Types.AttributeType.Graph;
        if (a.Floats.Count > 0) return AttributeProto.Types.AttributeType.Floats;
        if (a.Ints.Count > 0) return AttributeProto.Types.AttributeType.Ints;
        if (a.Strings.Count > 0) return AttributeProto.Types.AttributeType.Strings;
        if (a.Tensors.Count > 0) return AttributeProto.Types.AttributeType.Tensors;
        return AttributeProto.Types.AttributeType.Undefined;
    }

    private static string Utf8(ByteString s, string what)
    {
        try { return new UTF8Encoding(false, true).GetString(s.Span); }
        catch (DecoderFallbackException e) { throw new ModelFormatException($"{what}: string is not valid UTF-8", e); }
    }
}
