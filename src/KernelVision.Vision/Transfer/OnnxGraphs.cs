using Google.Protobuf;
using KernelVision.Onnx;
using KernelVision.Onnx.Proto;

namespace KernelVision.Vision.Transfer;

/// <summary>
/// Small edits on ONNX protos for transfer learning: chaining two graphs, making the batch
/// dimension symbolic, flattening the output, appending the dense head as Gemm/Relu/Softmax nodes.
/// Only standard ONNX ops are added, so any ONNX runtime runs the result.
/// </summary>
public static class OnnxGraphs
{
    /// <summary>Reads an ONNX file as a proto; any failure is a <see cref="ModelFormatException"/> naming the file.</summary>
    public static ModelProto Read(string path)
    {
        if (!File.Exists(path)) throw new ModelFormatException($"{path}: model file not found");
        try
        {
            using var s = File.OpenRead(path);
            var m = ModelProto.Parser.ParseFrom(s);
            if (m.Graph is null) throw new ModelFormatException($"{path}: the file has no graph (is it an ONNX model?)");
            return m;
        }
        catch (InvalidProtocolBufferException e) { throw new ModelFormatException($"{path}: not a valid ONNX model (protobuf: {e.Message})", e); }
    }

    /// <summary>Graph inputs that are not initializers (the values a caller feeds).</summary>
    public static List<ValueInfoProto> RealInputs(GraphProto g)
    {
        var inits = g.Initializer.Select(i => i.Name).ToHashSet(StringComparer.Ordinal);
        return g.Input.Where(i => !inits.Contains(i.Name)).ToList();
    }

    /// <summary>
    /// <paramref name="first"/> then <paramref name="second"/>: the first graph's only output feeds the
    /// second graph's only real input. Names in the second graph that clash with the first get a
    /// prefix. Opset imports: the higher version per domain.
    /// </summary>
    public static ModelProto Chain(ModelProto first, ModelProto second, string secondPrefix)
    {
        var a = first.Graph; var b = second.Graph.Clone();
        if (a.Output.Count != 1) throw new GraphException($"{a.Name}: chaining needs a graph with one output, it has {a.Output.Count}");
        var bIn = RealInputs(b);
        if (bIn.Count != 1) throw new GraphException($"{b.Name}: chaining needs a graph with one input, it has {bIn.Count}");
        var taken = Names(a);
        var rename = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var n in Names(b)) rename[n] = taken.Contains(n) ? secondPrefix + n : n;
        rename[bIn[0].Name] = a.Output[0].Name;
        Rename(b, rename);

        var g = a.Clone();
        g.Name = a.Name + "+" + b.Name;
        g.Output.Clear();
        g.Output.AddRange(b.Output);
        g.Node.AddRange(b.Node);
        g.Initializer.AddRange(b.Initializer);
        var inits = b.Initializer.Select(i => i.Name).ToHashSet(StringComparer.Ordinal);
        g.Input.AddRange(b.Input.Where(i => inits.Contains(i.Name))); // old IRs list initializers as inputs too
        g.ValueInfo.AddRange(b.ValueInfo);
        var m = new ModelProto { IrVersion = Math.Max(first.IrVersion, second.IrVersion), ProducerName = "KernelVision", Graph = g };
        foreach (var grp in first.OpsetImport.Concat(second.OpsetImport).GroupBy(o => o.Domain == "ai.onnx" ? "" : o.Domain))
            m.OpsetImport.Add(new OperatorSetIdProto { Domain = grp.Key, Version = grp.Max(o => o.Version) });
        return m;
    }

    private static HashSet<string> Names(GraphProto g)
    {
        var s = new HashSet<string>(StringComparer.Ordinal);
        foreach (var i in g.Input) s.Add(i.Name);
        foreach (var i in g.Output) s.Add(i.Name);
        foreach (var i in g.Initializer) s.Add(i.Name);
        foreach (var i in g.ValueInfo) s.Add(i.Name);
        foreach (var n in g.Node) { s.UnionWith(n.Input); s.UnionWith(n.Output); if (n.Name.Length > 0) s.Add(n.Name); }
        s.Remove("");
        return s;
    }

    private static void Rename(GraphProto g, Dictionary<string, string> map)
    {
        string R(string n) => n.Length > 0 && map.TryGetValue(n, out var r) ? r : n;
        foreach (var i in g.Input) i.Name = R(i.Name);
        foreach (var i in g.Output) i.Name = R(i.Name);
        foreach (var i in g.Initializer) i.Name = R(i.Name);
        foreach (var i in g.ValueInfo) i.Name = R(i.Name);
        foreach (var n in g.Node)
        {
            n.Name = R(n.Name);
            for (int k = 0; k < n.Input.Count; k++) n.Input[k] = R(n.Input[k]);
            for (int k = 0; k < n.Output.Count; k++) n.Output[k] = R(n.Output[k]);
        }
    }

    /// <summary>
    /// Lets the model take any batch: the first dimension of every real input and output becomes the
    /// symbolic "N", and intermediate shape annotations (which an exporter may have pinned to batch 1)
    /// are dropped; runtimes infer them again.
    /// </summary>
    public static void MakeBatchSymbolic(ModelProto m)
    {
        var g = m.Graph;
        foreach (var vi in RealInputs(g).Concat(g.Output))
        {
            var shape = vi.Type?.TensorType?.Shape;
            if (shape is null || shape.Dim.Count == 0) continue;
            shape.Dim[0] = new TensorShapeProto.Types.Dimension { DimParam = "N" };
        }
        g.ValueInfo.Clear();
    }

    /// <summary>
    /// Raises the IR version to at least 4, where initializers need not be listed as graph inputs, and
    /// drops such listings. CNTK's exports say IR 3 but omit those listings (onnx.checker refuses
    /// them); after this the files pass the checker and no runtime treats weights as overridable inputs.
    /// </summary>
    public static void Tidy(ModelProto m)
    {
        if (m.IrVersion < 4) m.IrVersion = 4;
        var inits = m.Graph.Initializer.Select(i => i.Name).ToHashSet(StringComparer.Ordinal);
        var real = m.Graph.Input.Where(i => !inits.Contains(i.Name)).ToList();
        m.Graph.Input.Clear();
        m.Graph.Input.AddRange(real);
    }

    /// <summary>Appends Flatten(axis 1) to the only output, which becomes <paramref name="name"/> [N, D] with <paramref name="dim"/> features (shape left open when 0).</summary>
    public static void FlattenOutput(ModelProto m, string name, int dim = 0)
    {
        var g = m.Graph;
        if (g.Output.Count != 1) throw new GraphException($"featurizer has {g.Output.Count} outputs; it needs exactly one (the features)");
        var src = g.Output[0].Name;
        g.Node.Add(Node("kv_flatten_features", "Flatten", [src], [name], Int("axis", 1)));
        g.Output.Clear();
        g.Output.Add(FloatInfo(name, dim));
    }

    /// <summary>
    /// Appends the head after the output called <paramref name="features"/>: Gemm (transB = 1) [→ Relu →
    /// Gemm] → Softmax(axis 1), whose result <paramref name="output"/> [N, K] becomes the only graph output.
    /// </summary>
    public static void AppendHead(ModelProto m, DenseHead head, string features, string output)
    {
        var g = m.Graph;
        string x = features;
        if (head.HiddenSize > 0)
        {
            g.Initializer.Add(Floats("head_W1", [head.HiddenSize, head.InputSize], head.W1));
            g.Initializer.Add(Floats("head_B1", [head.HiddenSize], head.B1));
            g.Node.Add(Node("head_dense1", "Gemm", [x, "head_W1", "head_B1"], ["head_dense1_out"], Int("transB", 1)));
            g.Node.Add(Node("head_relu1", "Relu", ["head_dense1_out"], ["head_relu1_out"]));
            x = "head_relu1_out";
        }
        g.Initializer.Add(Floats("head_W2", [head.Classes, head.OutputFanIn], head.W2));
        g.Initializer.Add(Floats("head_B2", [head.Classes], head.B2));
        g.Node.Add(Node("head_dense2", "Gemm", [x, "head_W2", "head_B2"], ["head_logits"], Int("transB", 1)));
        g.Node.Add(Node("head_softmax", "Softmax", ["head_logits"], [output], Int("axis", 1)));
        g.Output.Clear();
        g.Output.Add(FloatInfo(output, head.Classes));
    }

    /// <summary>A KernelVision session on the proto (not consumed); <paramref name="name"/> names it in errors.</summary>
    public static KernelVision.Execution.InferenceSession Session(ModelProto m, string name, string? backend)
    {
        var model = OnnxLoader.FromProto(m, null, name, LoadLimits.Default);
        return new KernelVision.Execution.InferenceSession(model, new KernelVision.Execution.SessionOptions { Backend = VisionModel.CreateBackend(backend) });
    }

    private static ValueInfoProto FloatInfo(string name, int dim)
    {
        var shape = new TensorShapeProto();
        shape.Dim.Add(new TensorShapeProto.Types.Dimension { DimParam = "N" });
        shape.Dim.Add(dim > 0 ? new TensorShapeProto.Types.Dimension { DimValue = dim } : new TensorShapeProto.Types.Dimension { DimParam = "D" });
        return new ValueInfoProto { Name = name, Type = new TypeProto { TensorType = new TypeProto.Types.Tensor { ElemType = (int)TensorProto.Types.DataType.Float, Shape = shape } } };
    }

    private static TensorProto Floats(string name, long[] dims, float[] values)
    {
        var t = new TensorProto { Name = name, DataType = (int)TensorProto.Types.DataType.Float };
        t.Dims.AddRange(dims);
        // raw_data little-endian, as exporters write large tensors.
        var bytes = new byte[values.Length * 4];
        Buffer.BlockCopy(values, 0, bytes, 0, bytes.Length);
        if (!BitConverter.IsLittleEndian) throw new PlatformNotSupportedException("big-endian hosts");
        t.RawData = ByteString.CopyFrom(bytes);
        return t;
    }

    private static NodeProto Node(string name, string op, string[] inputs, string[] outputs, params AttributeProto[] attrs)
    {
        var n = new NodeProto { Name = name, OpType = op };
        n.Input.AddRange(inputs);
        n.Output.AddRange(outputs);
        n.Attribute.AddRange(attrs);
        return n;
    }

    private static AttributeProto Int(string name, long v) => new() { Name = name, Type = AttributeProto.Types.AttributeType.Int, I = v };
}
