using Google.Protobuf;
using KernelVision.Backends.Reference;
using KernelVision.Execution;
using KernelVision.Onnx;
using KernelVision.Onnx.Proto;
using KernelVision.Tensors;
using KernelVision.Tests.Fuzzing;
using Xunit;
using static KernelVision.Tests.Fuzzing.SeedModels;

namespace KernelVision.Tests.Hardening;

/// <summary>Every load and plan limit refuses with a typed error that names the culprit, before the memory is allocated.</summary>
public class LimitsTests
{
    // Bytes this thread allocates while running `work` (what "without allocating" is measured by).
    private static long Allocated(Action work)
    {
        long before = GC.GetAllocatedBytesForCurrentThread();
        work();
        return GC.GetAllocatedBytesForCurrentThread() - before;
    }

    private static T Refused<T>(Func<object?> work, out long allocated) where T : Exception
    {
        T? error = null;
        allocated = Allocated(() => error = Assert.Throws<T>(() => work()));
        return error!;
    }

    private static ModelProto Relu()
    {
        var g = new GraphProto { Name = "g" };
        g.Input.Add(Vi("x", 2, 3));
        g.Node.Add(new NodeProto { Name = "n0", OpType = "Relu", Input = { "x" }, Output = { "y" } });
        g.Output.Add(Vi("y", 2, 3));
        return Model(g);
    }

    private static InferenceSession Session(ModelProto m, LoadLimits? limits = null)
    {
        limits ??= LoadLimits.Default;
        return new InferenceSession(OnnxLoader.Load(m.ToByteArray(), null, "m.onnx", limits), new SessionOptions { Backend = ReferenceBackend.Instance, Limits = limits });
    }

    [Fact]
    public void TrillionElementInitializerIsRefusedWithoutAllocating()
    {
        var m = Relu();
        m.Graph.Initializer.Add(new TensorProto { Name = "w", DataType = 1, Dims = { 1_000_000, 1_000_000 } });
        var e = Refused<ModelFormatException>(() => OnnxLoader.Load(m.ToByteArray(), null, "big.onnx"), out long bytes);
        Assert.Contains("'w'", e.Message);
        Assert.True(bytes < 1 << 20, $"allocated {bytes} bytes");
    }

    [Fact]
    public void DeclaredSizeWithoutTheDataIsRefusedBeforeAllocating()
    {
        // 2^28 float32 elements declared (1 GiB), typed field empty: the count check comes first.
        var m = Relu();
        m.Graph.Initializer.Add(new TensorProto { Name = "w", DataType = 1, Dims = { 1 << 14, 1 << 14 } });
        var e = Refused<ModelFormatException>(() => OnnxLoader.Load(m.ToByteArray(), null, "m.onnx"), out long bytes);
        Assert.Contains("'w'", e.Message);
        Assert.True(bytes < 1 << 20, $"allocated {bytes} bytes");

        m.Graph.Initializer[0].RawData = ByteString.CopyFrom(new byte[12]);
        e = Refused<ModelFormatException>(() => OnnxLoader.Load(m.ToByteArray(), null, "m.onnx"), out bytes);
        Assert.Contains("raw data", e.Message);
        Assert.True(bytes < 1 << 20, $"allocated {bytes} bytes");
    }

    [Fact]
    public void WeightBudgetCoversAllInitializersAndConstants()
    {
        var m = Relu();
        m.Graph.Initializer.Add(Floats("a", 100));
        m.Graph.Initializer.Add(Floats("b", 100));
        var limits = LoadLimits.Default with { MaxWeightBytes = 600 };
        var e = Assert.Throws<ModelFormatException>(() => OnnxLoader.Load(m.ToByteArray(), null, "m.onnx", limits));
        Assert.Contains("'b'", e.Message);
        OnnxLoader.Load(m.ToByteArray(), null, "m.onnx", limits with { MaxWeightBytes = 800 });

        // A Constant node's tensor counts too.
        m.Graph.Node.Add(new NodeProto
        {
            OpType = "Constant", Output = { "c" },
            Attribute = { new AttributeProto { Name = "value", Type = AttributeProto.Types.AttributeType.Tensor, T = Floats("v", 100) } },
        });
        Assert.Throws<ModelFormatException>(() => OnnxLoader.Load(m.ToByteArray(), null, "m.onnx", limits with { MaxWeightBytes = 800 }));
    }

    [Fact]
    public void FileSizeNodeCountRankAndDepthAreBounded()
    {
        var m = Relu();
        var bytes = m.ToByteArray();
        Assert.Throws<ModelFormatException>(() => OnnxLoader.Load(bytes, null, "m.onnx", LoadLimits.Default with { MaxFileBytes = bytes.Length - 1 }));

        for (int i = 0; i < 20; i++)
            m.Graph.Node.Add(new NodeProto { OpType = "Identity", Input = { i == 0 ? "y" : $"i{i - 1}" }, Output = { $"i{i}" } });
        m.Graph.Output[0] = Vi("i19", 2, 3);
        var e = Assert.Throws<ModelFormatException>(() => OnnxLoader.Load(m.ToByteArray(), null, "m.onnx", LoadLimits.Default with { MaxNodes = 20 }));
        Assert.Contains("21 nodes", e.Message);

        var deep = Assert.Throws<GraphException>(() => Session(m, LoadLimits.Default with { MaxGraphDepth = 10 }));
        Assert.Contains("deeper", deep.Message);
        Session(m, LoadLimits.Default with { MaxGraphDepth = 21 }).Dispose();

        var r = Relu();
        var t = new TensorProto { Name = "w", DataType = 1 };
        for (int i = 0; i < 40; i++) t.Dims.Add(1);
        t.FloatData.Add(1);
        r.Graph.Initializer.Add(t);
        Assert.Contains("rank 40", Assert.Throws<ModelFormatException>(() => OnnxLoader.Load(r.ToByteArray(), null, "m.onnx")).Message);
        r = Relu();
        r.Graph.Input[0] = Vi("x", Enumerable.Repeat(1L, 40).ToArray());
        Assert.Throws<ModelFormatException>(() => OnnxLoader.Load(r.ToByteArray(), null, "m.onnx"));
    }

    [Theory]
    [InlineData(0L)]
    [InlineData(-1L)]
    [InlineData((1L << 32) + 13)] // would wrap to opset 13 if narrowed to int unchecked
    [InlineData(long.MaxValue)]
    public void InvalidOpsetVersionsAreRefused(long version)
    {
        var m = Relu();
        m.OpsetImport[0].Version = version;
        Assert.ThrowsAny<KernelVisionException>(() => Session(m));
    }

    [Fact]
    public void DuplicateOpsetImportIsRefused()
    {
        var m = Relu();
        m.OpsetImport.Add(new OperatorSetIdProto { Domain = "ai.onnx", Version = 7 });
        Assert.Contains("twice", Assert.Throws<ModelFormatException>(() => OnnxLoader.Load(m.ToByteArray(), null, "m.onnx")).Message);
    }

    [Fact]
    public void UnknownOpIsNamedWithNodeAndType()
    {
        var m = Relu();
        m.Graph.Node[0].OpType = "FrobnicateV2";
        var e = Assert.Throws<UnsupportedException>(() => Session(m));
        Assert.Contains("FrobnicateV2", e.Message);
        Assert.Contains("'n0'", e.Message);
    }

    // A graph x → Add(x, ConstantOfShape(shape)) whose shape is an initializer.
    private static ModelProto ConstantOfShape(long[] shape, bool shapeIsInput = false)
    {
        var g = new GraphProto { Name = "g" };
        if (shapeIsInput) g.Input.Add(ViOf("shape", 7, shape.Length));
        else g.Initializer.Add(Int64s("shape", shape));
        g.Node.Add(new NodeProto { Name = "fill", OpType = "ConstantOfShape", Input = { "shape" }, Output = { "y" } });
        g.Output.Add(new ValueInfoProto { Name = "y" });
        return Model(g);
    }

    [Fact]
    public void ConstantOfShapeWithTrillionElementsIsRefusedByNode()
    {
        using var s = Session(ConstantOfShape([1_000_000, 1_000_000]));
        KernelVisionException? e = null;
        long bytes = Allocated(() => e = Assert.ThrowsAny<KernelVisionException>(() => s.Run()));
        Assert.True(e is GraphException or LimitExceededException, e!.GetType().Name);
        Assert.Contains("'fill'", e.Message);
        Assert.True(bytes < 1 << 20, $"allocated {bytes} bytes");
    }

    [Fact]
    public void OutputsOverTheActivationLimitAreRefusedByNodeBeforeAllocating()
    {
        // 2^28 floats = 1 GiB, within the element limit, over a 256 MiB activation limit.
        var limits = LoadLimits.Default with { MaxActivationBytes = 256 << 20 };
        using var s = Session(ConstantOfShape([1 << 14, 1 << 14]), limits);
        LimitExceededException? e = null;
        long bytes = Allocated(() => e = Assert.Throws<LimitExceededException>(() => s.Run()));
        Assert.Contains("'fill'", e!.Message);
        Assert.Contains("activation limit", e.Message);
        Assert.True(bytes < 1 << 20, $"allocated {bytes} bytes");
    }

    [Fact]
    public void RunTimeShapesAreCheckedToo()
    {
        // The shape is an input: the node is planned as dynamic and checked when it runs.
        var limits = LoadLimits.Default with { MaxActivationBytes = 256 << 20 };
        using var s = Session(ConstantOfShape([0, 0], shapeIsInput: true), limits);
        var ok = s.Run(Tensor.Vector(2, 3));
        Assert.Equal([2, 3], ok[0].Shape);
        LimitExceededException? e = null;
        long bytes = Allocated(() => e = Assert.Throws<LimitExceededException>(() => s.Run(Tensor.Vector(1 << 14, 1 << 14))));
        Assert.Contains("'fill'", e!.Message);
        Assert.True(bytes < 1 << 20, $"allocated {bytes} bytes");
    }

    [Fact]
    public void ResizeAndPadToHugeSizesAreRefusedByNode()
    {
        var limits = LoadLimits.Default with { MaxActivationBytes = 64 << 20 };
        var g = new GraphProto { Name = "g" };
        g.Input.Add(Vi("x", 1, 1, 4, 4));
        g.Initializer.Add(Int64s("sizes", 1, 1, 100_000, 100_000));
        g.Node.Add(new NodeProto { Name = "up", OpType = "Resize", Input = { "x", "", "", "sizes" }, Output = { "y" } });
        g.Output.Add(new ValueInfoProto { Name = "y" });
        using (var s = Session(Model(g), limits))
        {
            var e = Assert.ThrowsAny<KernelVisionException>(() => s.Run(Tensor.Zeros(DataType.Float32, [1, 1, 4, 4])));
            Assert.True(e is LimitExceededException or GraphException, e.GetType().Name);
            Assert.Contains("'up'", e.Message);
        }

        g = new GraphProto { Name = "g" };
        g.Input.Add(Vi("x", 1, 1, 4, 4));
        g.Initializer.Add(Int64s("pads", 0, 0, 5000, 5000, 0, 0, 5000, 5000));
        g.Node.Add(new NodeProto { Name = "pad", OpType = "Pad", Input = { "x", "pads" }, Output = { "y" } });
        g.Output.Add(new ValueInfoProto { Name = "y" });
        using (var s = Session(Model(g), limits))
        {
            var e = Assert.Throws<LimitExceededException>(() => s.Run(Tensor.Zeros(DataType.Float32, [1, 1, 4, 4])));
            Assert.Contains("'pad'", e.Message);
        }
    }

    [Fact]
    public void ThePlansTotalIsBoundedNotJustEachTensor()
    {
        // Ten 4 MiB activations alive at once: each fits a 16 MiB limit, together they do not.
        var g = new GraphProto { Name = "g" };
        g.Input.Add(Vi("x", 1 << 20));
        var outs = new List<string>();
        for (int i = 0; i < 10; i++)
        {
            g.Node.Add(new NodeProto { OpType = "Relu", Input = { "x" }, Output = { $"r{i}" } });
            outs.Add($"r{i}");
        }
        g.Node.Add(new NodeProto { OpType = "Sum", Input = { outs }, Output = { "y" } });
        g.Output.Add(Vi("y", 1 << 20));
        using var s = Session(Model(g), LoadLimits.Default with { MaxActivationBytes = 16 << 20 });
        var e = Assert.Throws<LimitExceededException>(() => s.Run(Tensor.Zeros(DataType.Float32, [1 << 20])));
        Assert.Contains("activations", e.Message);
        using var roomy = Session(Model(g), LoadLimits.Default with { MaxActivationBytes = 64 << 20 });
        Assert.Equal(1 << 20, roomy.Run(Tensor.Zeros(DataType.Float32, [1 << 20]))[0].Length);
    }
}
