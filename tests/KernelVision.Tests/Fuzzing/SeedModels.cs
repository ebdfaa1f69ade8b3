using Google.Protobuf;
using KernelVision.Onnx.Proto;

namespace KernelVision.Tests.Fuzzing;

/// <summary>The valid models the fuzzer starts from: small graphs built here, and small conformance models.</summary>
public static class SeedModels
{
    /// <summary>A seed: a name for reports and the model bytes.</summary>
    public sealed record Seed(string Name, byte[] Bytes);

    /// <summary>Everything: the built models, then the conformance models small enough to run in milliseconds.</summary>
    public static List<Seed> All(string? conformanceDir)
    {
        var seeds = Built().ToList();
        if (conformanceDir is not null) seeds.AddRange(Conformance(conformanceDir));
        return seeds;
    }

    /// <summary>
    /// Conformance node tests whose model file is under 16 KB and whose declared inputs total at
    /// most 4,096 elements, in name order (deterministic).
    /// </summary>
    public static IEnumerable<Seed> Conformance(string dir)
    {
        foreach (var caseDir in Directory.GetDirectories(Path.Combine(dir, "onnx-node")).Order(StringComparer.Ordinal))
        {
            var path = Path.Combine(caseDir, "model.onnx");
            if (!File.Exists(path) || new FileInfo(path).Length > 16 << 10) continue;
            var bytes = File.ReadAllBytes(path);
            ModelProto m;
            try { m = ModelProto.Parser.ParseFrom(bytes); } catch (InvalidProtocolBufferException) { continue; }
            long elements = 0;
            foreach (var vi in m.Graph.Input)
            {
                long n = 1;
                foreach (var d in vi.Type?.TensorType?.Shape?.Dim ?? [])
                    n *= d.HasDimValue ? Math.Max(d.DimValue, 1) : 2;
                elements += n;
            }
            if (elements <= 4096) yield return new Seed("conformance/" + Path.GetFileName(caseDir), bytes);
        }
    }

    /// <summary>Small hand-built models covering the op families and the shape-from-value paths.</summary>
    public static IEnumerable<Seed> Built()
    {
        yield return new("built/cnn", Cnn().ToByteArray());
        yield return new("built/shape-chain", ShapeChain().ToByteArray());
        yield return new("built/constant-of-shape", ConstantOfShapeModel().ToByteArray());
        yield return new("built/resize", ResizeModel().ToByteArray());
        yield return new("built/slice-pad-concat", SlicePadConcat().ToByteArray());
        yield return new("built/pad-pool-conv", PadPoolConv().ToByteArray());
        yield return new("built/residual-block", ResidualBlock().ToByteArray());
        yield return new("built/external-data", ExternalModel().ToByteArray());
    }

    /// <summary>A model skeleton with one opset-13 import.</summary>
    public static ModelProto Model(GraphProto g, long opset = 13)
    {
        var m = new ModelProto { IrVersion = 8, Graph = g, ProducerName = "kv-fuzz" };
        m.OpsetImport.Add(new OperatorSetIdProto { Domain = "", Version = opset });
        return m;
    }

    /// <summary>A float32 value info.</summary>
    public static ValueInfoProto Vi(string name, params long[] dims) => ViOf(name, 1, dims);

    /// <summary>A value info of element type <paramref name="type"/>.</summary>
    public static ValueInfoProto ViOf(string name, int type, params long[] dims)
    {
        var shape = new TensorShapeProto();
        foreach (var d in dims) shape.Dim.Add(new TensorShapeProto.Types.Dimension { DimValue = d });
        return new ValueInfoProto { Name = name, Type = new TypeProto { TensorType = new TypeProto.Types.Tensor { ElemType = type, Shape = shape } } };
    }

    /// <summary>A float32 initializer in raw_data with a deterministic pattern.</summary>
    public static TensorProto Floats(string name, params long[] dims)
    {
        long n = dims.Aggregate(1L, (a, b) => a * b);
        var bytes = new byte[n * 4];
        for (int i = 0; i < n; i++) BitConverter.TryWriteBytes(bytes.AsSpan(i * 4), ((i * 5) % 9 - 4) * 0.125f);
        var t = new TensorProto { Name = name, DataType = 1, RawData = ByteString.CopyFrom(bytes) };
        t.Dims.Add(dims);
        return t;
    }

    /// <summary>An int64 initializer (typed field).</summary>
    public static TensorProto Int64s(string name, params long[] values)
    {
        var t = new TensorProto { Name = name, DataType = 7, Dims = { values.Length } };
        t.Int64Data.Add(values);
        return t;
    }

    /// <summary>An attribute.</summary>
    public static AttributeProto Ints(string name, params long[] v) => new() { Name = name, Type = AttributeProto.Types.AttributeType.Ints, Ints = { v } };

    /// <summary>An INT attribute.</summary>
    public static AttributeProto Int(string name, long v) => new() { Name = name, Type = AttributeProto.Types.AttributeType.Int, I = v };

    /// <summary>A FLOAT attribute.</summary>
    public static AttributeProto Float(string name, float v) => new() { Name = name, Type = AttributeProto.Types.AttributeType.Float, F = v };

    /// <summary>A STRING attribute.</summary>
    public static AttributeProto Str(string name, string v) => new() { Name = name, Type = AttributeProto.Types.AttributeType.String, S = ByteString.CopyFromUtf8(v) };

    /// <summary>Conv → BatchNorm → Relu → MaxPool → ConvTranspose → GlobalAveragePool → Flatten → Gemm → Softmax.</summary>
    public static ModelProto Cnn()
    {
        var g = new GraphProto { Name = "cnn" };
        g.Input.Add(Vi("x", 1, 2, 6, 6));
        g.Initializer.Add(Floats("w", 4, 2, 3, 3));
        g.Initializer.Add(Floats("b", 4));
        g.Initializer.Add(Floats("scale", 4)); g.Initializer.Add(Floats("bias", 4));
        g.Initializer.Add(Floats("mean", 4)); g.Initializer.Add(Floats("var", 4));
        g.Initializer.Add(Floats("wt", 4, 3, 2, 2));
        g.Initializer.Add(Floats("fc", 5, 3)); g.Initializer.Add(Floats("fcb", 5));
        g.Node.Add(new NodeProto { Name = "conv", OpType = "Conv", Input = { "x", "w", "b" }, Output = { "c" }, Attribute = { Ints("pads", 1, 1, 1, 1), Ints("kernel_shape", 3, 3) } });
        g.Node.Add(new NodeProto { Name = "bn", OpType = "BatchNormalization", Input = { "c", "scale", "bias", "mean", "var" }, Output = { "bnout" }, Attribute = { Float("epsilon", 1e-5f) } });
        g.Node.Add(new NodeProto { Name = "relu", OpType = "Relu", Input = { "bnout" }, Output = { "r" } });
        g.Node.Add(new NodeProto { Name = "pool", OpType = "MaxPool", Input = { "r" }, Output = { "p" }, Attribute = { Ints("kernel_shape", 2, 2), Ints("strides", 2, 2) } });
        g.Node.Add(new NodeProto { Name = "deconv", OpType = "ConvTranspose", Input = { "p", "wt" }, Output = { "d" }, Attribute = { Ints("strides", 2, 2) } });
        g.Node.Add(new NodeProto { Name = "gap", OpType = "GlobalAveragePool", Input = { "d" }, Output = { "gp" } });
        g.Node.Add(new NodeProto { Name = "flat", OpType = "Flatten", Input = { "gp" }, Output = { "f" } });
        g.Node.Add(new NodeProto { Name = "fc", OpType = "Gemm", Input = { "f", "fc", "fcb" }, Output = { "logits" }, Attribute = { Int("transB", 1) } });
        g.Node.Add(new NodeProto { Name = "sm", OpType = "Softmax", Input = { "logits" }, Output = { "y" }, Attribute = { Int("axis", 1) } });
        g.Output.Add(Vi("y", 1, 5));
        return Model(g);
    }

    /// <summary>PyTorch's flatten idiom: Shape → Gather → Unsqueeze → Concat → Reshape, then Transpose and ReduceMean.</summary>
    public static ModelProto ShapeChain()
    {
        var g = new GraphProto { Name = "shape-chain" };
        g.Input.Add(Vi("x", 2, 3, 4));
        g.Initializer.Add(Int64s("zero", 0));
        g.Initializer.Add(Int64s("minus1", -1));
        g.Node.Add(new NodeProto { OpType = "Shape", Input = { "x" }, Output = { "s" } });
        g.Node.Add(new NodeProto { OpType = "Gather", Input = { "s", "zero" }, Output = { "n" }, Attribute = { Int("axis", 0) } });
        g.Node.Add(new NodeProto { OpType = "Concat", Input = { "n", "minus1" }, Output = { "target" }, Attribute = { Int("axis", 0) } });
        g.Node.Add(new NodeProto { OpType = "Reshape", Input = { "x", "target" }, Output = { "flat" } });
        g.Node.Add(new NodeProto { OpType = "Transpose", Input = { "flat" }, Output = { "t" }, Attribute = { Ints("perm", 1, 0) } });
        g.Node.Add(new NodeProto { OpType = "ReduceMean", Input = { "t" }, Output = { "y" }, Attribute = { Ints("axes", 1), Int("keepdims", 1) } });
        g.Output.Add(Vi("y", 12, 1));
        return Model(g);
    }

    /// <summary>ConstantOfShape from a constant shape, added to the input; Sum and Clip.</summary>
    public static ModelProto ConstantOfShapeModel()
    {
        var g = new GraphProto { Name = "cos" };
        g.Input.Add(Vi("x", 2, 3));
        g.Initializer.Add(Int64s("shape", 2, 3));
        g.Node.Add(new NodeProto
        {
            OpType = "ConstantOfShape", Input = { "shape" }, Output = { "ones" },
            Attribute = { new AttributeProto { Name = "value", Type = AttributeProto.Types.AttributeType.Tensor, T = Floats("v", 1) } },
        });
        g.Node.Add(new NodeProto { OpType = "Add", Input = { "x", "ones" }, Output = { "a" } });
        g.Node.Add(new NodeProto { OpType = "Sum", Input = { "a", "x", "ones" }, Output = { "s" } });
        g.Node.Add(new NodeProto { OpType = "Clip", Input = { "s" }, Output = { "y" } });
        g.Output.Add(Vi("y", 2, 3));
        return Model(g);
    }

    /// <summary>Resize by sizes and by scales, DepthToSpace, Upsample-style nearest.</summary>
    public static ModelProto ResizeModel()
    {
        var g = new GraphProto { Name = "resize" };
        g.Input.Add(Vi("x", 1, 4, 3, 3));
        g.Initializer.Add(Int64s("sizes", 1, 4, 5, 7));
        var scales = new TensorProto { Name = "scales", DataType = 1, Dims = { 4 }, FloatData = { 1, 1, 2, 2 } };
        g.Initializer.Add(scales);
        g.Node.Add(new NodeProto { OpType = "Resize", Input = { "x", "", "", "sizes" }, Output = { "r1" }, Attribute = { Str("mode", "linear") } });
        g.Node.Add(new NodeProto { OpType = "Resize", Input = { "x", "", "scales" }, Output = { "r2" }, Attribute = { Str("mode", "nearest") } });
        g.Node.Add(new NodeProto { OpType = "DepthToSpace", Input = { "r2" }, Output = { "d" }, Attribute = { Int("blocksize", 2) } });
        g.Node.Add(new NodeProto { OpType = "AveragePool", Input = { "r1" }, Output = { "y1" }, Attribute = { Ints("kernel_shape", 2, 2) } });
        g.Output.Add(Vi("y1", 1, 4, 4, 6));
        g.Output.Add(Vi("d", 1, 1, 12, 12));
        return Model(g);
    }

    /// <summary>Zero Pads that PadFusion folds into an AveragePool's and a Conv's pads (Inception's export form), then a Softmax.</summary>
    public static ModelProto PadPoolConv()
    {
        var g = new GraphProto { Name = "pad-pool-conv" };
        g.Input.Add(Vi("x", 1, 2, 6, 5));
        g.Initializer.Add(Int64s("pads1", 0, 0, 1, 1, 0, 0, 1, 1));
        g.Initializer.Add(Int64s("pads2", 0, 0, 0, 1, 0, 0, 2, 0));
        g.Initializer.Add(Floats("w", 3, 2, 3, 3));
        g.Node.Add(new NodeProto { Name = "pad1", OpType = "Pad", Input = { "x", "pads1" }, Output = { "p1" } });
        g.Node.Add(new NodeProto { Name = "avg", OpType = "AveragePool", Input = { "p1" }, Output = { "a" }, Attribute = { Ints("kernel_shape", 3, 3) } });
        g.Node.Add(new NodeProto { Name = "pad2", OpType = "Pad", Input = { "a", "pads2" }, Output = { "p2" } });
        g.Node.Add(new NodeProto { Name = "conv", OpType = "Conv", Input = { "p2", "w" }, Output = { "c" }, Attribute = { Ints("pads", 1, 0, 0, 1) } });
        g.Node.Add(new NodeProto { Name = "sm", OpType = "Softmax", Input = { "c" }, Output = { "y" }, Attribute = { Int("axis", 1) } });
        g.Output.Add(Vi("y", 1, 3, 7, 5));
        return Model(g);
    }

    /// <summary>
    /// A ResNet basic block with a downsample branch: the second Conv's Add with the branch (computed
    /// after it) and the ReLU fuse into it (ResidualFusion, then ActivationFusion); the mutator then
    /// perturbs shapes and attributes the fused Conv must still agree with the unfused graph on.
    /// </summary>
    public static ModelProto ResidualBlock()
    {
        var g = new GraphProto { Name = "residual-block" };
        g.Input.Add(Vi("x", 1, 3, 6, 6));
        g.Initializer.Add(Floats("w1", 4, 3, 3, 3));
        g.Initializer.Add(Floats("b1", 4));
        g.Initializer.Add(Floats("w2", 4, 4, 3, 3));
        g.Initializer.Add(Floats("wd", 4, 3, 1, 1));
        g.Node.Add(new NodeProto { Name = "conv1", OpType = "Conv", Input = { "x", "w1", "b1" }, Output = { "c1" }, Attribute = { Ints("pads", 1, 1, 1, 1) } });
        g.Node.Add(new NodeProto { Name = "relu1", OpType = "Relu", Input = { "c1" }, Output = { "r1" } });
        g.Node.Add(new NodeProto { Name = "conv2", OpType = "Conv", Input = { "r1", "w2" }, Output = { "c2" }, Attribute = { Ints("pads", 1, 1, 1, 1) } });
        g.Node.Add(new NodeProto { Name = "down", OpType = "Conv", Input = { "x", "wd" }, Output = { "d" } });
        g.Node.Add(new NodeProto { Name = "add", OpType = "Add", Input = { "c2", "d" }, Output = { "s" } });
        g.Node.Add(new NodeProto { Name = "relu2", OpType = "Relu", Input = { "s" }, Output = { "y" } });
        g.Output.Add(Vi("y", 1, 4, 6, 6));
        return Model(g);
    }

    /// <summary>Slice, Pad, Split, Concat, Squeeze/Unsqueeze with their int64 inputs as initializers.</summary>
    public static ModelProto SlicePadConcat()
    {
        var g = new GraphProto { Name = "spc" };
        g.Input.Add(Vi("x", 1, 2, 4, 4));
        g.Initializer.Add(Int64s("starts", 1, 0));
        g.Initializer.Add(Int64s("ends", 3, 4));
        g.Initializer.Add(Int64s("axes", 2, 3));
        g.Initializer.Add(Int64s("pads", 0, 0, 1, 0, 0, 0, 0, 1));
        g.Initializer.Add(Int64s("split", 1, 1));
        g.Initializer.Add(Int64s("ax0", 0));
        g.Node.Add(new NodeProto { OpType = "Slice", Input = { "x", "starts", "ends", "axes" }, Output = { "s" } });
        g.Node.Add(new NodeProto { OpType = "Pad", Input = { "s", "pads" }, Output = { "p" }, Attribute = { Str("mode", "reflect") } });
        g.Node.Add(new NodeProto { OpType = "Split", Input = { "p", "split" }, Output = { "a", "b" }, Attribute = { Int("axis", 1) } });
        g.Node.Add(new NodeProto { OpType = "Concat", Input = { "b", "a" }, Output = { "c" }, Attribute = { Int("axis", 1) } });
        g.Node.Add(new NodeProto { OpType = "Squeeze", Input = { "c", "ax0" }, Output = { "q" } });
        g.Node.Add(new NodeProto { OpType = "Unsqueeze", Input = { "q", "ax0" }, Output = { "u" } });
        g.Node.Add(new NodeProto { OpType = "LeakyRelu", Input = { "u" }, Output = { "y" }, Attribute = { Float("alpha", 0.1f) } });
        g.Output.Add(Vi("y", 1, 2, 3, 5));
        return Model(g);
    }

    /// <summary>A MatMul whose weight lives in external data "w.bin" (the fuzz folder provides it).</summary>
    public static ModelProto ExternalModel()
    {
        var g = new GraphProto { Name = "ext" };
        g.Input.Add(Vi("x", 2, 3));
        var w = new TensorProto { Name = "w", DataType = 1, Dims = { 3, 2 }, DataLocation = TensorProto.Types.DataLocation.External };
        w.ExternalData.Add(new StringStringEntryProto { Key = "location", Value = "w.bin" });
        w.ExternalData.Add(new StringStringEntryProto { Key = "offset", Value = "8" });
        w.ExternalData.Add(new StringStringEntryProto { Key = "length", Value = "24" });
        g.Initializer.Add(w);
        g.Node.Add(new NodeProto { OpType = "MatMul", Input = { "x", "w" }, Output = { "y" } });
        g.Output.Add(Vi("y", 2, 2));
        return Model(g);
    }

    /// <summary>
    /// A folder for external-data mutants: w.bin (64 bytes), sub/w.bin, and symlinks that lead out
    /// (link-out.bin → /etc/passwd, linkdir → /etc) where the OS allows them.
    /// </summary>
    public static string MakeExternalDataFolder()
    {
        string dir = Directory.CreateTempSubdirectory("kv-fuzz").FullName;
        var bytes = new byte[64];
        for (int i = 0; i < 16; i++) BitConverter.TryWriteBytes(bytes.AsSpan(i * 4), i * 0.5f);
        File.WriteAllBytes(Path.Combine(dir, "w.bin"), bytes);
        Directory.CreateDirectory(Path.Combine(dir, "sub"));
        File.WriteAllBytes(Path.Combine(dir, "sub", "w.bin"), bytes);
        try
        {
            File.CreateSymbolicLink(Path.Combine(dir, "link-out.bin"), "/etc/passwd");
            Directory.CreateSymbolicLink(Path.Combine(dir, "linkdir"), "/etc");
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or PlatformNotSupportedException) { }
        return dir;
    }
}
