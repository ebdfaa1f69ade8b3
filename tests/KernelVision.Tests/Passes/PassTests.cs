using Google.Protobuf;
using KernelVision.Backends;
using KernelVision.Backends.Reference;
using KernelVision.Execution;
using KernelVision.Onnx;
using KernelVision.Onnx.Proto;
using KernelVision.Ops;
using KernelVision.Ops.Neural;
using KernelVision.Tensors;
using KernelVision.Tests.Onnx;
using Xunit;

namespace KernelVision.Tests.Passes;

/// <summary>The optimisation passes change the graph, never the numbers: optimised and unoptimised sessions agree.</summary>
public class PassTests
{
    /// <summary>The serialised model of graph <paramref name="g"/> at the default domain's <paramref name="opset"/>.</summary>
    private static byte[] ModelBytes(GraphProto g, int opset = 13)
    {
        var m = new ModelProto { IrVersion = 8, Graph = g };
        m.OpsetImport.Add(new OperatorSetIdProto { Domain = "", Version = opset });
        return m.ToByteArray();
    }

    private static TensorProto Init(string name, int[] shape, Random rng, float lo = -1, float hi = 1)
    {
        var t = Tensor.Zeros(DataType.Float32, shape);
        for (int i = 0; i < t.Length; i++) t.Floats[i] = (float)(lo + (hi - lo) * rng.NextDouble());
        return TensorProtoConverter.FromTensor(t, name);
    }

    /// <summary>x → Conv/ConvTranspose → BatchNormalization → activation → y.</summary>
    private static byte[] ConvBnAct(string convOp, string act, bool bias, int group = 1)
    {
        var rng = new Random(7);
        var g = new GraphProto { Name = "g" };
        int cin = 4, cout = 6;
        int[] wShape = convOp == "Conv" ? [cout, cin / group, 3, 3] : [cin, cout / group, 3, 3];
        g.Initializer.Add(Init("w", wShape, rng));
        var convInputs = new List<string> { "x", "w" };
        if (bias) { g.Initializer.Add(Init("b", [cout], rng)); convInputs.Add("b"); }
        g.Initializer.Add(Init("scale", [cout], rng, 0.5f, 2));
        g.Initializer.Add(Init("beta", [cout], rng));
        g.Initializer.Add(Init("mean", [cout], rng));
        g.Initializer.Add(Init("var", [cout], rng, 0.1f, 3));
        var conv = new NodeProto { Name = "conv", OpType = convOp, Output = { "c" } };
        conv.Input.AddRange(convInputs);
        conv.Attribute.Add(new AttributeProto { Name = "pads", Type = AttributeProto.Types.AttributeType.Ints, Ints = { 1, 1, 1, 1 } });
        conv.Attribute.Add(new AttributeProto { Name = "group", Type = AttributeProto.Types.AttributeType.Int, I = group });
        g.Node.Add(conv);
        g.Node.Add(new NodeProto { Name = "bn", OpType = "BatchNormalization", Input = { "c", "scale", "beta", "mean", "var" }, Output = { "n" } });
        var a = new NodeProto { Name = "act", OpType = act, Input = { "n" }, Output = { "y" } };
        if (act == "Clip")
        {
            g.Initializer.Add(TensorProtoConverter.FromTensor(Tensor.Scalar(0), "lo"));
            g.Initializer.Add(TensorProtoConverter.FromTensor(Tensor.Scalar(0.5f), "hi"));
            a.Input.Add("lo");
            a.Input.Add("hi");
        }
        if (act == "LeakyRelu") a.Attribute.Add(new AttributeProto { Name = "alpha", Type = AttributeProto.Types.AttributeType.Float, F = 0.2f });
        g.Node.Add(a);
        g.Input.Add(LoaderTests.Vi("x", 2, cin, 5, 5));
        g.Output.Add(new ValueInfoProto { Name = "y" });
        return ModelBytes(g);
    }

    [Theory]
    [InlineData("Conv", "Relu", true, 1)]
    [InlineData("Conv", "Clip", false, 1)]
    [InlineData("Conv", "LeakyRelu", true, 2)]
    [InlineData("Conv", "Sigmoid", false, 2)]
    [InlineData("ConvTranspose", "Relu", false, 1)]
    [InlineData("ConvTranspose", "Tanh", true, 2)]
    public void BatchNormFoldingAndFusionPreserveResults(string convOp, string act, bool bias, int group)
    {
        var bytes = ConvBnAct(convOp, act, bias, group);
        var plain = new InferenceSession(OnnxLoader.Load(bytes, null, "m.onnx"), new SessionOptions { Backend = ReferenceBackend.Instance, Optimize = false });
        var optimised = new InferenceSession(OnnxLoader.Load(bytes, null, "m.onnx"), new SessionOptions { Backend = ReferenceBackend.Instance, Optimize = true });
        Assert.Equal(3, plain.Nodes.Count);
        var only = Assert.Single(optimised.Nodes);
        Assert.NotEqual(ActivationKind.None, only.Op switch { Conv c => c.Activation.Kind, ConvTranspose t => t.Activation.Kind, _ => ActivationKind.None });
        Assert.Contains(optimised.PassLog, l => l.StartsWith("bn-fold"));
        Assert.Contains(optimised.PassLog, l => l.StartsWith("fuse"));

        var x = Tensor.Zeros(DataType.Float32, [2, 4, 5, 5]);
        var rng = new Random(3);
        for (int i = 0; i < x.Length; i++) x.Floats[i] = (float)(rng.NextDouble() * 2 - 1);
        TensorAssert.Close(plain.Run(x)[0], optimised.Run(x)[0], rtol: 1e-4, atol: 1e-5);
    }

    /// <summary>x → Pad (constant, pads and value as given) → AveragePool 3×3 or Conv 3×3 → y.</summary>
    private static byte[] PadThen(string consumer, long[] pads, float value = 0, bool ceil = false, long[]? ownPads = null, int countIncludePad = 0)
    {
        var rng = new Random(13);
        var g = new GraphProto { Name = "g" };
        g.Initializer.Add(TensorProtoConverter.FromTensor(Tensor.FromInt64s([pads.Length], pads), "pads"));
        g.Initializer.Add(TensorProtoConverter.FromTensor(Tensor.Scalar(value), "value"));
        g.Node.Add(new NodeProto { Name = "pad", OpType = "Pad", Input = { "x", "pads", "value" }, Output = { "p" } });
        var c = new NodeProto { Name = "consumer", OpType = consumer, Input = { "p" }, Output = { "y" } };
        c.Attribute.Add(new AttributeProto { Name = "kernel_shape", Type = AttributeProto.Types.AttributeType.Ints, Ints = { 3, 3 } });
        if (ownPads is not null) c.Attribute.Add(new AttributeProto { Name = "pads", Type = AttributeProto.Types.AttributeType.Ints, Ints = { ownPads } });
        if (consumer == "Conv")
        {
            g.Initializer.Add(Init("w", [5, 4, 3, 3], rng));
            c.Input.Add("w");
        }
        else
        {
            c.Attribute.Add(new AttributeProto { Name = "ceil_mode", Type = AttributeProto.Types.AttributeType.Int, I = ceil ? 1 : 0 });
            c.Attribute.Add(new AttributeProto { Name = "count_include_pad", Type = AttributeProto.Types.AttributeType.Int, I = countIncludePad });
            c.Attribute.Add(new AttributeProto { Name = "strides", Type = AttributeProto.Types.AttributeType.Ints, Ints = { 2, 2 } });
        }
        g.Node.Add(c);
        g.Input.Add(LoaderTests.Vi("x", 2, 4, 8, 9));
        g.Output.Add(new ValueInfoProto { Name = "y" });
        return ModelBytes(g);
    }

    public static TheoryData<string, long[], float, bool, long[]?, int, bool> PadCases() => new()
    {
        // consumer, pads, value, ceil_mode, consumer's own pads, count_include_pad, folded?
        { "AveragePool", [0, 0, 1, 1, 0, 0, 1, 1], 0f, false, null, 0, true },   // Inception's avg_pool2d(padding=1)
        { "AveragePool", [0, 0, 1, 0, 0, 0, 2, 3], 0f, false, [1, 1, 0, 1], 1, true },
        { "AveragePool", [0, 0, 1, 1, 0, 0, 1, 1], 0f, false, [1, 1, 1, 1], 0, false }, // own pads not counted, the Pad's zeros are
        { "AveragePool", [0, 0, 1, 1, 0, 0, 1, 1], 0f, true, null, 0, false },   // ceil_mode: partial windows count differently
        { "AveragePool", [0, 0, 1, 1, 0, 0, 1, 1], 0.5f, false, null, 0, false }, // not zeros
        { "AveragePool", [0, 1, 1, 1, 0, 0, 1, 1], 0f, false, null, 0, false },  // pads a channel
        { "Conv", [0, 0, 2, 1, 0, 0, 0, 1], 0f, false, null, 0, true },
        { "Conv", [0, 0, 1, 1, 0, 0, 1, 1], 0f, false, [1, 0, 1, 2], 0, true },
        { "Conv", [0, 0, 1, -1, 0, 0, 1, 1], 0f, false, null, 0, false },        // a crop is not a conv pad
    };

    [Theory]
    [MemberData(nameof(PadCases))]
    public void ZeroPadFoldsIntoTheConsumersPads(string consumer, long[] pads, float value, bool ceil, long[]? ownPads, int countIncludePad, bool folded)
    {
        var bytes = PadThen(consumer, pads, value, ceil, ownPads, countIncludePad);
        var x = Tensor.Zeros(DataType.Float32, [2, 4, 8, 9]);
        var rng = new Random(4);
        for (int i = 0; i < x.Length; i++) x.Floats[i] = (float)(rng.NextDouble() * 2 - 1);
        OptimisedMatchesUnoptimised(bytes, new Dictionary<string, Tensor> { ["x"] = x }, ["reference", "cpu"], optimised =>
        {
            Assert.Equal(folded ? 1 : 2, optimised.Nodes.Count);
            Assert.Equal(folded, optimised.PassLog.Any(l => l.StartsWith("pad-fuse")));
        });
    }

    /// <summary>
    /// Constants the passes read before any op has validated them, each malformed in one way (element
    /// type, rank, length, empty). The optimised session must end as the unoptimised one does: the same
    /// result, or a typed refusal — never an <see cref="InternalErrorException"/> from a pass reading
    /// the data as what it is not (a fresh-clone fuzz run once found a uint32 conv bias doing that).
    /// </summary>
    [Theory]
    [InlineData("Conv", "b", "uint32")]
    [InlineData("Conv", "b", "int64")]
    [InlineData("Conv", "b", "long")]
    [InlineData("Conv", "scale", "rank2")]
    [InlineData("Conv", "mean", "int64")]
    [InlineData("Conv", "var", "short")]
    [InlineData("Conv", "var", "empty")]
    [InlineData("Conv", "w", "rank2")]
    [InlineData("Conv", "w", "zero-dim")]
    [InlineData("Conv", "w", "int64")]
    [InlineData("ConvTranspose", "b", "uint32")]
    [InlineData("ConvTranspose", "w", "zero-dim")]
    [InlineData("ConvTranspose", "scale", "long")]
    [InlineData("Conv", "lo", "int64")]
    [InlineData("Conv", "lo", "empty")]
    [InlineData("Conv", "hi", "rank2")]
    [InlineData("Conv", "hi", "uint32")]
    public void MalformedConstantsEndAsInTheUnoptimisedGraph(string convOp, string name, string damage)
    {
        // Every backend's binder meets the same constants: a Cpu ConvTranspose once packed an empty
        // kernel axis into an ArgumentException (InternalErrorException) here.
        foreach (var backend in new[] { "reference", "cpu", "gpu-sim" })
            MalformedConstantEndsAlike(convOp, name, damage, Fuzzing.FuzzCampaign.Backend(backend));
    }

    private static void MalformedConstantEndsAlike(string convOp, string name, string damage, IBackend backend)
    {
        var p = ModelProto.Parser.ParseFrom(ConvBnAct(convOp, "Clip", bias: true));
        var init = p.Graph.Initializer.Single(t => t.Name == name);
        var t = TensorProtoConverter.ToTensor(init, null, name);
        Tensor bad = damage switch
        {
            "uint32" or "int64" => Tensor.Zeros(damage == "uint32" ? DataType.UInt32 : DataType.Int64, t.Shape),
            "rank2" => t.Reshape([1, t.Length]),
            "long" => Tensor.Zeros(DataType.Float32, [t.Length + 1]),
            "short" => Tensor.Zeros(DataType.Float32, [Math.Max(0, t.Length - 1)]),
            "empty" => Tensor.Zeros(DataType.Float32, [0]),
            "zero-dim" => Tensor.Zeros(DataType.Float32, [.. t.Shape[..^1], 0]),
            _ => throw new ArgumentException(damage),
        };
        p.Graph.Initializer.Remove(init);
        p.Graph.Initializer.Add(TensorProtoConverter.FromTensor(bad, name));
        var bytes = p.ToByteArray();
        var x = Tensor.Zeros(DataType.Float32, [2, 4, 5, 5]);
        for (int i = 0; i < x.Length; i++) x.Floats[i] = (i % 7 - 3) * 0.25f;

        (Tensor? Y, KernelVisionException? Error) Outcome(bool optimize)
        {
            try
            {
                var s = new InferenceSession(OnnxLoader.Load(bytes, null, "m.onnx"), new SessionOptions { Optimize = optimize, Backend = backend });
                return (s.Run(x)[0], null);
            }
            catch (KernelVisionException e) when (e is not InternalErrorException) { return (null, e); }
        }
        var plain = Outcome(false);
        var optimised = Outcome(true);
        Assert.True((plain.Error is null) == (optimised.Error is null),
            $"{backend.Name}: as written {plain.Error?.Message ?? "ran"}; optimised {optimised.Error?.Message ?? "ran"}");
        if (plain.Y is not null) TensorAssert.Close(plain.Y, optimised.Y!, rtol: 1e-4, atol: 1e-5);
        else Assert.Matches("'(conv|bn|act)'", optimised.Error!.Message); // names the node that refused
    }

    [Fact]
    public void ConvOutputUsedTwiceIsNotFolded()
    {
        var p = ModelProto.Parser.ParseFrom(ConvBnAct("Conv", "Relu", true));
        p.Graph.Output.Add(new ValueInfoProto { Name = "c" });
        var s = new InferenceSession(OnnxLoader.Load(p.ToByteArray(), null, "m.onnx"), new SessionOptions { Backend = ReferenceBackend.Instance });
        // c is a graph output: BN must stay, and the Relu goes into the BN instead of the conv.
        Assert.Equal(2, s.Nodes.Count);
        Assert.DoesNotContain(s.PassLog, l => l.StartsWith("bn-fold"));
        Assert.Equal(ActivationKind.Relu, Assert.IsType<BatchNormalization>(s.Nodes[1].Op).Activation.Kind);
    }

    /// <summary>bn: x → BatchNormalization (c channels, random statistics) → n.</summary>
    private static void AddBatchNorm(GraphProto g, int c, Random rng)
    {
        g.Initializer.Add(Init("scale", [c], rng, 0.5f, 2));
        g.Initializer.Add(Init("beta", [c], rng));
        g.Initializer.Add(Init("mean", [c], rng));
        g.Initializer.Add(Init("var", [c], rng, 0.1f, 3));
        g.Node.Add(new NodeProto { Name = "bn", OpType = "BatchNormalization", Input = { "x", "scale", "beta", "mean", "var" }, Output = { "n" } });
    }

    /// <summary>x → BatchNormalization → activation → y: nothing to fold BN into (DenseNet's pre-activation form).</summary>
    private static byte[] BnAct(string act)
    {
        var rng = new Random(11);
        var g = new GraphProto { Name = "g" };
        int c = 6;
        AddBatchNorm(g, c, rng);
        var a = new NodeProto { Name = "act", OpType = act, Input = { "n" }, Output = { "y" } };
        if (act == "LeakyRelu") a.Attribute.Add(new AttributeProto { Name = "alpha", Type = AttributeProto.Types.AttributeType.Float, F = 0.2f });
        g.Node.Add(a);
        g.Input.Add(LoaderTests.Vi("x", 2, c, 9, 13));
        g.Output.Add(new ValueInfoProto { Name = "y" });
        return ModelBytes(g);
    }

    [Theory]
    [InlineData("Relu", "reference")]
    [InlineData("Relu", "cpu")]
    [InlineData("Relu", "gpu-sim")]
    [InlineData("LeakyRelu", "cpu")]
    [InlineData("Sigmoid", "cpu")]
    [InlineData("Tanh", "gpu-sim")]
    public void ActivationFusedIntoBatchNormalizationOnEveryBackend(string act, string backend)
    {
        // The unoptimised graph on Reference is the oracle; the fused BN must apply the activation
        // on every backend (a kernel that ignored it would return negative values for Relu).
        var bytes = BnAct(act);
        var plain = new InferenceSession(OnnxLoader.Load(bytes, null, "m.onnx"), new SessionOptions { Backend = ReferenceBackend.Instance, Optimize = false });
        var fused = new InferenceSession(OnnxLoader.Load(bytes, null, "m.onnx"),
            new SessionOptions { Backend = Fuzzing.FuzzCampaign.Backend(backend), Optimize = true });
        var only = Assert.Single(fused.Nodes);
        Assert.NotEqual(ActivationKind.None, Assert.IsType<BatchNormalization>(only.Op).Activation.Kind);
        Assert.Contains(fused.PassLog, l => l.StartsWith("fuse"));
        var x = Tensor.Zeros(DataType.Float32, [2, 6, 9, 13]);
        var rng = new Random(5);
        for (int i = 0; i < x.Length; i++) x.Floats[i] = (float)(rng.NextDouble() * 6 - 3);
        TensorAssert.Close(plain.Run(x)[0], fused.Run(x)[0], rtol: 1e-5, atol: 1e-5);
    }

    /// <summary>
    /// x → Conv (3×3 pad 1, 6 → 6 channels, or depthwise) → c; Add(c, z) → s (operands swapped when
    /// <paramref name="zFirst"/>); activation (or none) → y. Z is, by <paramref name="z"/>: "input" (a second
    /// graph input r), "const" (an initializer), "x" (the block's own input), "later" (a 1×1 Conv of x placed
    /// after the first Conv, as ResNet's downsample branch is). <paramref name="breaks"/> adds what must stop
    /// the fusion: "relu-first" (Conv → Relu → Add), "output" (c is a graph output), "twice" (c feeds another node).
    /// </summary>
    private static byte[] ConvAdd(string z, string act = "Relu", bool zFirst = false, bool bias = true, int group = 1, string breaks = "", int opset = 13)
    {
        var rng = new Random(17);
        var g = new GraphProto { Name = "g" };
        g.Initializer.Add(Init("w", [6, 6 / group, 3, 3], rng));
        var conv = new NodeProto { Name = "conv", OpType = "Conv", Input = { "x", "w" }, Output = { "c" } };
        if (bias) { g.Initializer.Add(Init("b", [6], rng)); conv.Input.Add("b"); }
        conv.Attribute.Add(new AttributeProto { Name = "pads", Type = AttributeProto.Types.AttributeType.Ints, Ints = { 1, 1, 1, 1 } });
        conv.Attribute.Add(new AttributeProto { Name = "group", Type = AttributeProto.Types.AttributeType.Int, I = group });
        g.Node.Add(conv);
        string c = "c";
        if (breaks == "relu-first")
        {
            g.Node.Add(new NodeProto { Name = "relu0", OpType = "Relu", Input = { "c" }, Output = { "cr" } });
            c = "cr";
        }
        string zName = z switch { "input" => "r", "const" => "k", "x" => "x", _ => "d" };
        if (z == "const") g.Initializer.Add(Init("k", [2, 6, 5, 7], rng));
        if (z == "later")
        {
            g.Initializer.Add(Init("w2", [6, 6, 1, 1], rng));
            g.Node.Add(new NodeProto { Name = "down", OpType = "Conv", Input = { "x", "w2" }, Output = { "d" } });
        }
        var add = new NodeProto { Name = "add", OpType = "Add", Output = { "s" } };
        add.Input.AddRange(zFirst ? [zName, c] : [c, zName]);
        g.Node.Add(add);
        string y = "s";
        if (act.Length > 0)
        {
            g.Node.Add(new NodeProto { Name = "act", OpType = act, Input = { "s" }, Output = { "y" } });
            y = "y";
        }
        if (breaks == "twice") g.Node.Add(new NodeProto { Name = "sig", OpType = "Sigmoid", Input = { "c" }, Output = { "n" } });
        g.Input.Add(LoaderTests.Vi("x", 2, 6, 5, 7));
        if (z == "input") g.Input.Add(new ValueInfoProto { Name = "r" });
        g.Output.Add(new ValueInfoProto { Name = y });
        if (breaks == "output") g.Output.Add(new ValueInfoProto { Name = "c" });
        if (breaks == "twice") g.Output.Add(new ValueInfoProto { Name = "n" });
        return ModelBytes(g, opset);
    }

    /// <summary>
    /// x [2, 4, 5, 6] → Resize → 1×1 Conv (4 → 3, bias) → y. <paramref name="variant"/>: "scales" ([1, 1, 2, 3] nearest
    /// asymmetric), "sizes" (Concat(Slice(Shape(x), 0, 2), [10, 12]), F.interpolate(size=…)'s export), "relu" (scales, and a
    /// Relu after the conv that fuses into it), "residual" (scales, and an Add of a graph input after the conv that fuses into it),
    /// and what must stop the reorder: "linear", "channels" (scales [1, 2, 2, 2]: the resize doubles the channels),
    /// "conv3x3" (unpadded), "stride2", "output" (the resize's output is also a graph output), "twice" (it feeds a second node),
    /// "half-pixel-nn" (tf_half_pixel_for_nn), "sizes-elsewhere" (Shape of another tensor), "shape-shared" (the Shape feeds
    /// a graph output too).
    /// </summary>
    private static byte[] ResizeThenConv(string variant)
    {
        var rng = new Random(23);
        var g = new GraphProto { Name = "g" };
        bool channels = variant == "channels";
        int cin = channels ? 8 : 4, k = variant == "conv3x3" ? 3 : 1;
        g.Initializer.Add(Init("w", [3, cin, k, k], rng));
        g.Initializer.Add(Init("b", [3], rng));
        var resize = new NodeProto { Name = "resize", OpType = "Resize", Output = { "u" } };
        resize.Attribute.Add(new AttributeProto { Name = "mode", Type = AttributeProto.Types.AttributeType.String, S = ByteString.CopyFromUtf8(variant == "linear" ? "linear" : "nearest") });
        string coord = variant == "half-pixel-nn" ? "tf_half_pixel_for_nn" : "asymmetric";
        resize.Attribute.Add(new AttributeProto { Name = "coordinate_transformation_mode", Type = AttributeProto.Types.AttributeType.String, S = ByteString.CopyFromUtf8(coord) });
        resize.Attribute.Add(new AttributeProto { Name = "nearest_mode", Type = AttributeProto.Types.AttributeType.String, S = ByteString.CopyFromUtf8("floor") });
        if (variant.StartsWith("sizes") || variant == "shape-shared")
        {
            g.Initializer.Add(TensorProtoConverter.FromTensor(Tensor.FromInt64s([1], [0L]), "s0"));
            g.Initializer.Add(TensorProtoConverter.FromTensor(Tensor.FromInt64s([1], [2L]), "s2"));
            g.Initializer.Add(TensorProtoConverter.FromTensor(Tensor.FromInt64s([2], [10L, 12L]), "hw"));
            g.Node.Add(new NodeProto { Name = "shape", OpType = "Shape", Input = { variant == "sizes-elsewhere" ? "x2" : "x" }, Output = { "sh" } });
            g.Node.Add(new NodeProto { Name = "slice", OpType = "Slice", Input = { "sh", "s0", "s2" }, Output = { "nc" } });
            var concat = new NodeProto { Name = "concat", OpType = "Concat", Input = { "nc", "hw" }, Output = { "sizes" } };
            concat.Attribute.Add(new AttributeProto { Name = "axis", Type = AttributeProto.Types.AttributeType.Int, I = 0 });
            g.Node.Add(concat);
            resize.Input.AddRange(["x", "", "", "sizes"]);
        }
        else
        {
            float[] scales = channels ? [1, 2, 2, 2] : [1, 1, 2, 3];
            g.Initializer.Add(TensorProtoConverter.FromTensor(Tensor.FromFloats([4], scales), "scales"));
            resize.Input.AddRange(["x", "", "scales"]);
        }
        g.Node.Add(resize);
        var conv = new NodeProto { Name = "conv", OpType = "Conv", Input = { "u", "w", "b" }, Output = { "c" } };
        if (variant == "stride2") conv.Attribute.Add(new AttributeProto { Name = "strides", Type = AttributeProto.Types.AttributeType.Ints, Ints = { 2, 2 } });
        g.Node.Add(conv);
        string y = "c";
        if (variant == "relu")
        {
            g.Node.Add(new NodeProto { Name = "relu", OpType = "Relu", Input = { "c" }, Output = { "y" } });
            y = "y";
        }
        if (variant == "residual")
        {
            g.Node.Add(new NodeProto { Name = "add", OpType = "Add", Input = { "c", "r" }, Output = { "y" } });
            g.Input.Add(LoaderTests.Vi("r", 2, 3, 10, 18));
            y = "y";
        }
        g.Input.Add(LoaderTests.Vi("x", 2, 4, 5, 6));
        if (variant == "sizes-elsewhere") g.Input.Add(LoaderTests.Vi("x2", 2, 4, 5, 6));
        g.Output.Add(new ValueInfoProto { Name = y });
        if (variant == "output") g.Output.Add(new ValueInfoProto { Name = "u" });
        if (variant == "shape-shared") g.Output.Add(new ValueInfoProto { Name = "sh" });
        if (variant == "twice")
        {
            g.Node.Add(new NodeProto { Name = "sig", OpType = "Sigmoid", Input = { "u" }, Output = { "n" } });
            g.Output.Add(new ValueInfoProto { Name = "n" });
        }
        return ModelBytes(g);
    }

    [Theory]
    [InlineData("scales", true)]
    [InlineData("sizes", true)]
    [InlineData("relu", true)]
    [InlineData("residual", false)]
    [InlineData("linear", false)]
    [InlineData("channels", false)]
    [InlineData("conv3x3", false)]
    [InlineData("stride2", false)]
    [InlineData("output", false)]
    [InlineData("twice", false)]
    [InlineData("half-pixel-nn", false)]
    [InlineData("sizes-elsewhere", false)]
    [InlineData("shape-shared", false)]
    public void PointwiseConvMovesBeforeANearestResize(string variant, bool moved)
    {
        var bytes = ResizeThenConv(variant);
        var inputs = new Dictionary<string, Tensor> { ["x"] = RandomTensor(5, 2, 4, 5, 6) };
        if (variant == "residual") inputs["r"] = RandomTensor(6, 2, 3, 10, 18);
        if (variant == "sizes-elsewhere") inputs["x2"] = RandomTensor(7, 2, 4, 5, 6);
        OptimisedMatchesUnoptimised(bytes, inputs, ["reference", "cpu"], optimised =>
        {
            Assert.Equal(moved, optimised.PassLog.Any(l => l.StartsWith("reorder:")));
            if (!moved) return;
            // The conv now reads x itself and runs before the resize.
            var order = optimised.Nodes.Select(n => n.Op.Node.OpType).Where(t => t is "Conv" or "Resize").ToList();
            Assert.Equal(["Conv", "Resize"], order);
            Assert.Contains(optimised.Nodes, n => n.Op is Conv && n.Op.Node.Inputs[0] == "x");
        });
    }

    /// <summary>
    /// x [2, 8, 6, 7] → AveragePool 3×3 (stride 1, pads 1, count_include_pad 1) → 1×1 Conv (8 → 3, bias) → Relu → y.
    /// <paramref name="variant"/>: "bias", "no-bias", "exclude-pad" (count_include_pad 0), "strided" (stride 2, ceil_mode),
    /// and what must stop the reorder: "widen" (8 → 12 channels), "conv3x3" (unpadded), "output" (the pool's output is
    /// also a graph output), "twice" (it feeds a second node), "double" (float64 with a bias: the bias step after the pool is float32).
    /// </summary>
    private static byte[] PoolThenConv(string variant)
    {
        var rng = new Random(29);
        var g = new GraphProto { Name = "g" };
        int cout = variant == "widen" ? 12 : 3, k = variant == "conv3x3" ? 3 : 1;
        bool wide = variant == "double";
        // float64: the weights as doubles, x cast to double before the pool and y back after the ReLU.
        TensorProto Weights(string name, int[] shape)
        {
            var t = Init(name, shape, rng);
            if (!wide) return t;
            var f = TensorProtoConverter.ToTensor(t, null, name);
            var d = Tensor.Zeros(DataType.Float64, shape);
            for (int i = 0; i < d.Length; i++) d.Doubles[i] = f.Floats[i];
            return TensorProtoConverter.FromTensor(d, name);
        }
        g.Initializer.Add(Weights("w", [cout, 8, k, k]));
        if (wide)
        {
            var cast = new NodeProto { Name = "to-double", OpType = "Cast", Input = { "x" }, Output = { "xd" } };
            cast.Attribute.Add(new AttributeProto { Name = "to", Type = AttributeProto.Types.AttributeType.Int, I = 11 });
            g.Node.Add(cast);
        }
        var pool = new NodeProto { Name = "pool", OpType = "AveragePool", Input = { wide ? "xd" : "x" }, Output = { "p" } };
        pool.Attribute.Add(new AttributeProto { Name = "kernel_shape", Type = AttributeProto.Types.AttributeType.Ints, Ints = { 3, 3 } });
        pool.Attribute.Add(new AttributeProto { Name = "pads", Type = AttributeProto.Types.AttributeType.Ints, Ints = { 1, 1, 1, 1 } });
        pool.Attribute.Add(new AttributeProto { Name = "count_include_pad", Type = AttributeProto.Types.AttributeType.Int, I = variant == "exclude-pad" ? 0 : 1 });
        if (variant == "strided")
        {
            pool.Attribute.Add(new AttributeProto { Name = "strides", Type = AttributeProto.Types.AttributeType.Ints, Ints = { 2, 2 } });
            pool.Attribute.Add(new AttributeProto { Name = "ceil_mode", Type = AttributeProto.Types.AttributeType.Int, I = 1 });
        }
        g.Node.Add(pool);
        var conv = new NodeProto { Name = "conv", OpType = "Conv", Input = { "p", "w" }, Output = { "c" } };
        if (variant != "no-bias")
        {
            g.Initializer.Add(Weights("b", [cout]));
            conv.Input.Add("b");
        }
        g.Node.Add(conv);
        g.Node.Add(new NodeProto { Name = "relu", OpType = "Relu", Input = { "c" }, Output = { wide ? "yd" : "y" } });
        if (wide)
        {
            var cast = new NodeProto { Name = "to-float", OpType = "Cast", Input = { "yd" }, Output = { "y" } };
            cast.Attribute.Add(new AttributeProto { Name = "to", Type = AttributeProto.Types.AttributeType.Int, I = 1 });
            g.Node.Add(cast);
        }
        g.Input.Add(LoaderTests.Vi("x", 2, 8, 6, 7));
        g.Output.Add(new ValueInfoProto { Name = "y" });
        if (variant == "output") g.Output.Add(new ValueInfoProto { Name = "p" });
        if (variant == "twice")
        {
            g.Node.Add(new NodeProto { Name = "sig", OpType = "Sigmoid", Input = { "p" }, Output = { "n" } });
            g.Output.Add(new ValueInfoProto { Name = "n" });
        }
        return ModelBytes(g);
    }

    [Theory]
    [InlineData("bias", true)]
    [InlineData("no-bias", true)]
    [InlineData("exclude-pad", true)]
    [InlineData("strided", true)]
    [InlineData("widen", false)]
    [InlineData("conv3x3", false)]
    [InlineData("output", false)]
    [InlineData("twice", false)]
    [InlineData("double", false)]
    public void ChannelReducingConvMovesBeforeAnAveragePool(string variant, bool moved)
    {
        var bytes = PoolThenConv(variant);
        OptimisedMatchesUnoptimised(bytes, new Dictionary<string, Tensor> { ["x"] = RandomTensor(31, 2, 8, 6, 7) }, ["reference", "cpu"], optimised =>
        {
            Assert.Equal(moved, optimised.PassLog.Any(l => l.StartsWith("reorder:")));
            if (!moved) return;
            // The conv reads x, the pool its output; the bias (with the ReLU) comes after the pool.
            var ops = optimised.Nodes.Select(n => n.Op.Node.OpType).ToList();
            Assert.Equal("Conv", ops[0]);
            Assert.Equal("AveragePool", ops[1]);
            Assert.Equal(variant != "no-bias", optimised.Nodes.Any(n => n.Op is BatchNormalization { Activation.Kind: ActivationKind.Relu }));
        });
    }

    /// <summary>
    /// x [2, 8, 5, 6] read by five convs, each with its own graph output: a (8 → 3, bias, Relu), b (8 → 4, no bias,
    /// Relu), e (8 → 5, bias, Relu), c (8 → 2, bias, no
    /// activation) and d (3×3, pads 1, 8 → 2, Relu). <paramref name="variant"/> "leaky" gives b a LeakyRelu
    /// instead (another activation: a and e alone merge); "opset11" writes Split's sizes as an attribute;
    /// "e-output" makes e's conv output a graph output too.
    /// </summary>
    private static byte[] SiblingConvs(string variant)
    {
        var rng = new Random(37);
        var g = new GraphProto { Name = "g" };
        void Conv(string name, int cout, int k, bool bias, string act)
        {
            g.Initializer.Add(Init(name + "_w", [cout, 8, k, k], rng));
            var conv = new NodeProto { Name = name, OpType = "Conv", Input = { "x", name + "_w" }, Output = { name + "_c" } };
            if (bias)
            {
                g.Initializer.Add(Init(name + "_b", [cout], rng));
                conv.Input.Add(name + "_b");
            }
            if (k > 1) conv.Attribute.Add(new AttributeProto { Name = "pads", Type = AttributeProto.Types.AttributeType.Ints, Ints = { 1, 1, 1, 1 } });
            g.Node.Add(conv);
            if (act.Length > 0)
            {
                var a = new NodeProto { Name = name + "_act", OpType = act, Input = { name + "_c" }, Output = { name + "_y" } };
                if (act == "LeakyRelu") a.Attribute.Add(new AttributeProto { Name = "alpha", Type = AttributeProto.Types.AttributeType.Float, F = 0.2f });
                g.Node.Add(a);
            }
            g.Output.Add(new ValueInfoProto { Name = act.Length > 0 ? name + "_y" : name + "_c" });
        }
        Conv("a", 3, 1, true, "Relu");
        Conv("c", 2, 1, true, "");
        Conv("b", 4, 1, false, variant == "leaky" ? "LeakyRelu" : "Relu");
        Conv("d", 2, 3, true, "Relu");
        Conv("e", 5, 1, true, "Relu");
        if (variant == "e-output") g.Output.Add(new ValueInfoProto { Name = "e_c" });
        g.Input.Add(LoaderTests.Vi("x", 2, 8, 5, 6));
        return ModelBytes(g, variant == "opset11" ? 11 : 13);
    }

    [Theory]
    [InlineData("plain", "a,b,e")]
    [InlineData("opset11", "a,b,e")]
    [InlineData("leaky", "a,e")]
    [InlineData("e-output", "a,b;c,e")] // e's ReLU stays a node: its conv has no activation, like c's
    public void SiblingPointwiseConvsMergeIntoOneConvAndASplit(string variant, string merged)
    {
        var bytes = SiblingConvs(variant);
        OptimisedMatchesUnoptimised(bytes, new Dictionary<string, Tensor> { ["x"] = RandomTensor(41, 2, 8, 5, 6) }, ["reference", "cpu"], optimised =>
        {
            var groups = merged.Split(';');
            Assert.Equal(groups.Length, optimised.PassLog.Count(l => l.StartsWith("merge:")));
            // Each Split writes its merged convs' outputs, under their own names, in graph order.
            var splits = optimised.Nodes.Where(n => n.Op.Node.OpType == "Split").Select(n => string.Join(",", n.Op.Node.Outputs.Select(o => o[..1])));
            Assert.Equal(groups.Order(), splits.Order());
            Assert.Equal(5 - groups.Sum(m => m.Split(',').Length - 1), optimised.Nodes.Count(n => n.Op is Conv));
        });
    }

    /// <summary>
    /// The pass tests' oracle: <paramref name="bytes"/> unoptimised on the Reference backend against the
    /// same model optimised on each of <paramref name="backends"/>, every output within tolerance, after
    /// <paramref name="check"/> has looked at each optimised session's graph and pass log.
    /// </summary>
    private static void OptimisedMatchesUnoptimised(byte[] bytes, IReadOnlyDictionary<string, Tensor> inputs, string[] backends,
        Action<InferenceSession> check, double rtol = 1e-5, double atol = 1e-6)
    {
        var plain = new InferenceSession(OnnxLoader.Load(bytes, null, "m.onnx"), new SessionOptions { Backend = ReferenceBackend.Instance, Optimize = false });
        var want = plain.Run(inputs);
        foreach (var backend in backends)
        {
            var optimised = new InferenceSession(OnnxLoader.Load(bytes, null, "m.onnx"),
                new SessionOptions { Backend = Fuzzing.FuzzCampaign.Backend(backend), Optimize = true });
            check(optimised);
            var got = optimised.Run(inputs);
            Assert.Equal(want.Count, got.Count);
            foreach (var (name, t) in want) TensorAssert.Close(t, got[name], rtol: rtol, atol: atol);
        }
    }

    private static Tensor RandomTensor(int seed, params int[] shape)
    {
        var t = Tensor.Zeros(DataType.Float32, shape);
        var rng = new Random(seed);
        for (int i = 0; i < t.Length; i++) t.Floats[i] = (float)(rng.NextDouble() * 4 - 2);
        return t;
    }

    public static TheoryData<string, string, bool, bool, int, string, int[]?, bool> ResidualCases() => new()
    {
        // z, activation, z first, bias, group, what breaks the fusion, r's shape, fused?
        { "input", "Relu", false, true, 1, "", [2, 6, 5, 7], true },
        { "input", "", true, false, 1, "", [2, 6, 5, 7], true },
        { "input", "Sigmoid", false, true, 6, "", [2, 6, 5, 7], true },     // depthwise
        { "input", "Relu", false, true, 1, "", [1, 6, 1, 1], true },        // Z broadcasts: Cpu and Gpu hand it to the Reference kernel
        { "input", "Relu", false, true, 1, "", [2, 2, 6, 5, 7], true },     // Z widens the output, as the Add did
        { "x", "Relu", true, true, 1, "", null, true },
        { "later", "Relu", false, true, 1, "", null, true },                // Z is computed after the Conv
        { "const", "Relu", false, true, 1, "", null, false },               // a constant Z: a bias, not a residual
        { "input", "Relu", false, true, 1, "relu-first", [2, 6, 5, 7], false },
        { "input", "Relu", false, true, 1, "output", [2, 6, 5, 7], false },
        { "input", "Relu", false, true, 1, "twice", [2, 6, 5, 7], false },
    };

    [Theory]
    [MemberData(nameof(ResidualCases))]
    public void ResidualAddFusesIntoTheConvOnEveryBackend(string z, string act, bool zFirst, bool bias, int group, string breaks, int[]? rShape, bool fused)
    {
        // The unoptimised graph on Reference is the oracle for every backend's fused Conv.
        var bytes = ConvAdd(z, act, zFirst, bias, group, breaks);
        var inputs = new Dictionary<string, Tensor> { ["x"] = RandomTensor(1, 2, 6, 5, 7) };
        if (rShape is not null) inputs["r"] = RandomTensor(2, rShape);
        OptimisedMatchesUnoptimised(bytes, inputs, ["reference", "cpu", "gpu-sim"], optimised =>
        {
            Assert.Equal(fused, optimised.PassLog.Any(l => l.Contains("as its residual input")));
            Assert.Equal(fused, optimised.Nodes.Any(n => n.Op is Conv { Residual: true }));
            if (fused && act.Length > 0) Assert.Contains(optimised.Nodes, n => n.Op is Conv { Residual: true } c && c.Activation.Kind != ActivationKind.None);
        }, rtol: 1e-4, atol: 1e-5);
    }

    /// <summary>
    /// x → BatchNormalization → activation (or none) → Conv (k×k, pads p) → y, DenseNet's pre-activation
    /// form. <paramref name="breaks"/>: "output" (the BN's activation is a graph output too), "twice" (it also feeds a Sigmoid).
    /// </summary>
    private static byte[] BnActConv(string act, int k, int pad, string breaks = "")
    {
        var rng = new Random(19);
        var g = new GraphProto { Name = "g" };
        int c = 6;
        AddBatchNorm(g, c, rng);
        g.Initializer.Add(Init("w", [5, c, k, k], rng));
        string a = "n";
        if (act.Length > 0)
        {
            g.Node.Add(new NodeProto { Name = "act", OpType = act, Input = { "n" }, Output = { "a" } });
            a = "a";
        }
        var conv = new NodeProto { Name = "conv", OpType = "Conv", Input = { a, "w" }, Output = { "y" } };
        conv.Attribute.Add(new AttributeProto { Name = "pads", Type = AttributeProto.Types.AttributeType.Ints, Ints = { pad, pad, pad, pad } });
        g.Node.Add(conv);
        g.Input.Add(LoaderTests.Vi("x", 2, c, 9, 8));
        g.Output.Add(new ValueInfoProto { Name = "y" });
        if (breaks == "output") g.Output.Add(new ValueInfoProto { Name = a });
        if (breaks == "twice")
        {
            g.Node.Add(new NodeProto { Name = "sig", OpType = "Sigmoid", Input = { a }, Output = { "s" } });
            g.Output.Add(new ValueInfoProto { Name = "s" });
        }
        return ModelBytes(g);
    }

    [Theory]
    [InlineData("Relu", 1, 0, "", true)]
    [InlineData("", 1, 0, "", true)]
    [InlineData("LeakyRelu", 3, 0, "", true)]  // unpadded 3×3: kernels normalise a copy
    [InlineData("Relu", 3, 1, "", false)]      // a padded tap must read 0, not a normalised 0
    [InlineData("Relu", 1, 0, "output", false)]
    [InlineData("Relu", 1, 0, "twice", false)]
    public void BatchNormalizationFusesIntoTheConvItFeeds(string act, int k, int pad, string breaks, bool fused)
    {
        var bytes = BnActConv(act, k, pad, breaks);
        OptimisedMatchesUnoptimised(bytes, new Dictionary<string, Tensor> { ["x"] = RandomTensor(3, 2, 6, 9, 8) }, ["reference", "cpu", "gpu-sim"], optimised =>
        {
            Assert.Equal(fused, optimised.PassLog.Any(l => l.Contains("as its input normalisation")));
            if (!fused) return;
            var conv = Assert.IsType<Conv>(Assert.Single(optimised.Nodes).Op);
            Assert.Equal(act.Length > 0, conv.InputNormalization!.Activation.Kind != ActivationKind.None);
        }, rtol: 1e-4, atol: 1e-5);
    }

    [Fact]
    public void SkippedPassesDoNotRunAndUnknownNamesAreRefused()
    {
        var bytes = ConvAdd("x");
        var skipped = new InferenceSession(OnnxLoader.Load(bytes, null, "m.onnx"),
            new SessionOptions { Backend = ReferenceBackend.Instance, SkipPasses = new HashSet<string> { "ResidualFusion" } });
        Assert.DoesNotContain(skipped.PassLog, l => l.Contains("as its residual input"));
        Assert.Contains(skipped.Nodes, n => n.Op.Node.OpType == "Add");
        // Only the named pass is skipped: without ActivationFusion the Add still fuses, the Relu stays a node.
        var noActivation = new InferenceSession(OnnxLoader.Load(bytes, null, "m.onnx"),
            new SessionOptions { Backend = ReferenceBackend.Instance, SkipPasses = new HashSet<string> { "ActivationFusion" } });
        Assert.Contains(noActivation.Nodes, n => n.Op is Conv { Residual: true, Activation.Kind: ActivationKind.None });
        Assert.Contains(noActivation.Nodes, n => n.Op.Node.OpType == "Relu");
        var e = Assert.Throws<ArgumentException>(() => new InferenceSession(OnnxLoader.Load(bytes, null, "m.onnx"),
            new SessionOptions { Backend = ReferenceBackend.Instance, SkipPasses = new HashSet<string> { "ResidualFusoin" } }));
        Assert.Contains("ResidualFusoin", e.Message);
    }

    [Fact]
    public void LegacyAddIsNotFused()
    {
        // Opset 6 Add broadcasts by its 'broadcast'/'axis' attributes, which the fused Conv does not follow.
        var s = new InferenceSession(OnnxLoader.Load(ConvAdd("x", opset: 6), null, "m.onnx"), new SessionOptions { Backend = ReferenceBackend.Instance });
        Assert.DoesNotContain(s.PassLog, l => l.Contains("as its residual input"));
    }

    /// <summary>
    /// torch.onnx's form of the same graph: the conv weight and BatchNorm statistics reach their
    /// nodes through Identity (shared initializers) and Clip's bounds are Constant nodes. Constant
    /// folding must expose the values so that BatchNorm folding and ReLU6 fusion still happen.
    /// </summary>
    [Fact]
    public void ConstantFoldingExposesExporterIndirections()
    {
        var p = ModelProto.Parser.ParseFrom(ConvBnAct("Conv", "Clip", true));
        var g = p.Graph;
        foreach (var n in g.Node.Where(n => n.OpType is "Conv" or "BatchNormalization").ToList())
            for (int i = 1; i < n.Input.Count; i++)
            {
                string via = n.Input[i] + "_via";
                g.Node.Insert(0, new NodeProto { Name = "id_" + n.Input[i], OpType = "Identity", Input = { n.Input[i] }, Output = { via } });
                n.Input[i] = via;
            }
        var clip = g.Node.Single(n => n.OpType == "Clip");
        foreach (var (bound, value) in new[] { ("lo", 0f), ("hi", 0.5f) })
        {
            g.Initializer.Remove(g.Initializer.Single(t => t.Name == bound));
            var c = new NodeProto { Name = "const_" + bound, OpType = "Constant", Output = { bound } };
            c.Attribute.Add(new AttributeProto { Name = "value", Type = AttributeProto.Types.AttributeType.Tensor, T = TensorProtoConverter.FromTensor(Tensor.Scalar(value), bound) });
            g.Node.Insert(0, c);
        }
        var bytes = p.ToByteArray();
        var plain = new InferenceSession(OnnxLoader.Load(bytes, null, "m.onnx"), new SessionOptions { Backend = ReferenceBackend.Instance, Optimize = false });
        var optimised = new InferenceSession(OnnxLoader.Load(bytes, null, "m.onnx"), new SessionOptions { Backend = ReferenceBackend.Instance });
        Assert.Equal(11, plain.Nodes.Count);
        var only = Assert.Single(optimised.Nodes);
        Assert.Equal(ActivationKind.Clip, ((Conv)only.Op).Activation.Kind);
        Assert.Contains(optimised.PassLog, l => l.StartsWith("constant-folding: folded 8 nodes"));

        var x = Tensor.Zeros(DataType.Float32, [2, 4, 5, 5]);
        var rng = new Random(5);
        for (int i = 0; i < x.Length; i++) x.Floats[i] = (float)(rng.NextDouble() * 2 - 1);
        TensorAssert.Close(plain.Run(x)[0], optimised.Run(x)[0], rtol: 1e-4, atol: 1e-5);
    }

    [Fact]
    public void ConstantFoldingLeavesInputDependentAndOverridableValuesAlone()
    {
        var p = ModelProto.Parser.ParseFrom(ConvBnAct("Conv", "Relu", true));
        // 'scale' becomes overridable (a graph input with an initializer): BN must not be folded into the conv.
        p.Graph.Input.Add(LoaderTests.Vi("scale", 6));
        p.Graph.Node.Insert(0, new NodeProto { Name = "neg_x", OpType = "Sigmoid", Input = { "x" }, Output = { "nx" } });
        p.Graph.Output.Add(new ValueInfoProto { Name = "nx" });
        var s = new InferenceSession(OnnxLoader.Load(p.ToByteArray(), null, "m.onnx"), new SessionOptions { Backend = ReferenceBackend.Instance });
        Assert.Contains(s.Nodes, n => n.Node.OpType == "Sigmoid");
        Assert.Contains(s.Nodes, n => n.Node.OpType == "BatchNormalization");
        Assert.DoesNotContain(s.PassLog, l => l.StartsWith("constant-folding"));
    }

    [Fact]
    public void DeadNodesAreRemoved()
    {
        var p = ModelProto.Parser.ParseFrom(ConvBnAct("Conv", "Relu", true));
        p.Graph.Node.Add(new NodeProto { Name = "unused", OpType = "Sigmoid", Input = { "x" }, Output = { "z" } });
        var s = new InferenceSession(OnnxLoader.Load(p.ToByteArray(), null, "m.onnx"), new SessionOptions { Backend = ReferenceBackend.Instance, Optimize = false });
        Assert.DoesNotContain(s.Nodes, n => n.Node.Name == "unused");
        Assert.Contains(s.PassLog, l => l.Contains("unused"));
    }
}
