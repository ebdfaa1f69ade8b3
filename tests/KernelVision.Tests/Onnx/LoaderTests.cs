using Google.Protobuf;
using KernelVision.Backends.Reference;
using KernelVision.Execution;
using KernelVision.Onnx;
using KernelVision.Onnx.Proto;
using KernelVision.Tensors;
using Xunit;

namespace KernelVision.Tests.Onnx;

public class LoaderTests
{
    internal static ModelProto ReluModel(string input = "x", string output = "y", string op = "Relu")
    {
        var g = new GraphProto { Name = "g" };
        g.Node.Add(new NodeProto { Name = "n0", OpType = op, Input = { input }, Output = { output } });
        g.Input.Add(Vi(input, 2, 3));
        g.Output.Add(Vi(output, 2, 3));
        var m = new ModelProto { IrVersion = 8, Graph = g, ProducerName = "test" };
        m.OpsetImport.Add(new OperatorSetIdProto { Domain = "", Version = 13 });
        return m;
    }

    internal static ValueInfoProto Vi(string name, params long[] dims)
    {
        var shape = new TensorShapeProto();
        foreach (var d in dims) shape.Dim.Add(new TensorShapeProto.Types.Dimension { DimValue = d });
        return new ValueInfoProto { Name = name, Type = new TypeProto { TensorType = new TypeProto.Types.Tensor { ElemType = 1, Shape = shape } } };
    }

    /// <summary>x float16[1,2] · w (float16, raw or int32_data) → Cast(to float16) → y float16: converted to float32 on load.</summary>
    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void Float16ModelsAreConvertedToFloat32OnLoad(bool raw)
    {
        var g = new GraphProto { Name = "half" };
        var w = new TensorProto { Name = "w", DataType = (int)DataType.Float16, Dims = { 1, 2 } };
        ushort[] bits = [BitConverter.HalfToUInt16Bits((Half)0.5f), BitConverter.HalfToUInt16Bits((Half)(-3f))];
        if (raw) w.RawData = ByteString.CopyFrom(bits.SelectMany(BitConverter.GetBytes).ToArray());
        else w.Int32Data.AddRange(bits.Select(b => (int)b));
        g.Initializer.Add(w);
        var x = Vi("x", 1, 2);
        x.Type.TensorType.ElemType = (int)DataType.Float16;
        var y = Vi("y", 1, 2);
        y.Type.TensorType.ElemType = (int)DataType.Float16;
        g.Input.Add(x);
        g.Output.Add(y);
        g.Node.Add(new NodeProto { Name = "mul", OpType = "Mul", Input = { "x", "w" }, Output = { "p" } });
        g.Node.Add(new NodeProto { Name = "cast", OpType = "Cast", Input = { "p" }, Output = { "y" }, Attribute = { new AttributeProto { Name = "to", Type = AttributeProto.Types.AttributeType.Int, I = (int)DataType.Float16 } } });
        var m = new ModelProto { IrVersion = 8, Graph = g, ProducerName = "test" };
        m.OpsetImport.Add(new OperatorSetIdProto { Domain = "", Version = 13 });

        var model = OnnxLoader.Load(m.ToByteArray(), null, "half.onnx");
        Assert.True(model.ConvertedFromFloat16);
        Assert.Equal(DataType.Float32, model.Graph.Initializers["w"].Type);
        Assert.Equal(DataType.Float32, model.Graph.Inputs[0].Type);
        using var s = new InferenceSession(model, new SessionOptions { Backend = ReferenceBackend.Instance });
        var r = s.Run(new Dictionary<string, Tensor> { ["x"] = Tensor.FromFloats([1, 2], [2f, 1f]) })["y"];
        Assert.Equal(DataType.Float32, r.Type);
        Assert.Equal([1f, -3f], r.Floats.ToArray());
        Assert.False(OnnxLoader.Load(ReluModel().ToByteArray(), null, "m.onnx").ConvertedFromFloat16);
    }

    [Fact]
    public void GarbageBytesGiveModelFormatError()
    {
        var e = Assert.Throws<ModelFormatException>(() => OnnxLoader.Load([0xff, 0xff, 0xff, 0x01, 0x02], null, "junk.onnx"));
        Assert.Contains("junk.onnx", e.Message);
    }

    [Fact]
    public void TruncatedModelGivesModelFormatError()
    {
        var bytes = ReluModel().ToByteArray();
        Assert.ThrowsAny<KernelVisionException>(() => OnnxLoader.Load(bytes[..(bytes.Length / 2)], null, "cut.onnx"));
    }

    [Fact]
    public void UnsupportedOpIsNamedWithNode()
    {
        var m = OnnxLoader.Load(ReluModel(op: "FancyOp").ToByteArray(), null, "m.onnx");
        var e = Assert.Throws<UnsupportedException>(() => new InferenceSession(m));
        Assert.Contains("FancyOp", e.Message);
        Assert.Contains("n0", e.Message);
    }

    [Theory]
    [InlineData(-727379968)]
    [InlineData(24)]
    [InlineData(int.MaxValue)]
    public void InputWithANonOnnxElementTypeIsRefusedAtLoad(int elemType)
    {
        var p = ReluModel();
        p.Graph.Input[0].Type.TensorType.ElemType = elemType;
        var e = Assert.Throws<ModelFormatException>(() => OnnxLoader.Load(p.ToByteArray(), null, "m.onnx"));
        Assert.Contains("m.onnx", e.Message);
        Assert.Contains($"input 'x' has element type {elemType}", e.Message);
    }

    [Fact]
    public void DanglingInputIsRejected()
    {
        var p = ReluModel();
        p.Graph.Node[0].Input[0] = "nowhere";
        var e = Assert.Throws<GraphException>(() => new InferenceSession(OnnxLoader.Load(p.ToByteArray(), null, "m.onnx")));
        Assert.Contains("nowhere", e.Message);
    }

    [Fact]
    public void CycleIsRejected()
    {
        var p = ReluModel();
        p.Graph.Node[0].Input[0] = "b";
        p.Graph.Node.Add(new NodeProto { Name = "n1", OpType = "Identity", Input = { "y" }, Output = { "b" } });
        var e = Assert.Throws<GraphException>(() => new InferenceSession(OnnxLoader.Load(p.ToByteArray(), null, "m.onnx")));
        Assert.Contains("cycle", e.Message);
    }

    [Fact]
    public void HugeDeclaredTensorIsRefusedWithoutAllocating()
    {
        var p = ReluModel();
        var t = new TensorProto { Name = "w", DataType = 1, Dims = { 1_000_000, 1_000_000 } };
        p.Graph.Initializer.Add(t);
        var e = Assert.Throws<ModelFormatException>(() => OnnxLoader.Load(p.ToByteArray(), null, "big.onnx"));
        Assert.Contains("'w'", e.Message);
    }

    [Fact]
    public void RawDataLengthMismatchIsRejected()
    {
        var p = ReluModel();
        p.Graph.Initializer.Add(new TensorProto { Name = "w", DataType = 1, Dims = { 4 }, RawData = ByteString.CopyFrom(new byte[15]) });
        Assert.Throws<ModelFormatException>(() => OnnxLoader.Load(p.ToByteArray(), null, "m.onnx"));
    }

    [Fact]
    public void TensorProtoRoundTripsEveryStoredType()
    {
        var f = Tensor.FromFloats([2, 2], [1.5f, -2, 3, float.NaN]);
        var back = TensorProtoConverter.ToTensor(TensorProtoConverter.FromTensor(f, "f"), null, "f");
        Assert.Equal(f.Shape, back.Shape);
        Assert.Equal(f.Floats.ToArray(), back.Floats.ToArray());
        var l = Tensor.FromInt64s([3], [long.MinValue, 0, 42]);
        Assert.Equal(l.Int64s.ToArray(), TensorProtoConverter.ToTensor(TensorProtoConverter.FromTensor(l, "l"), null, "l").Int64s.ToArray());
    }

    [Fact]
    public void TypedFieldsAreDecoded()
    {
        var p = new TensorProto { DataType = 6, Dims = { 3 }, Int32Data = { -1, 7, 9 } };
        var t = TensorProtoConverter.ToTensor(p, null, "t");
        Assert.Equal(DataType.Int32, t.Type);
        Assert.Equal(new long[] { -1, 7, 9 }, t.Int64s.ToArray());
    }

    [Fact]
    public void ExternalDataIsReadAndConfinedToTheModelFolder()
    {
        string dir = Directory.CreateTempSubdirectory("kv-ext").FullName;
        try
        {
            var bytes = new byte[16];
            for (int i = 0; i < 4; i++) BitConverter.TryWriteBytes(bytes.AsSpan(i * 4), (float)(i + 1));
            File.WriteAllBytes(Path.Combine(dir, "w.bin"), bytes);

            var p = ReluModel(output: "r");
            p.Graph.Output.Clear();
            p.Graph.Output.Add(Vi("y", 2, 3));
            var w = new TensorProto { Name = "w", DataType = 1, Dims = { 1, 3 }, DataLocation = TensorProto.Types.DataLocation.External };
            w.ExternalData.Add(new StringStringEntryProto { Key = "location", Value = "w.bin" });
            w.ExternalData.Add(new StringStringEntryProto { Key = "offset", Value = "4" });
            w.ExternalData.Add(new StringStringEntryProto { Key = "length", Value = "12" });
            p.Graph.Initializer.Add(w);
            p.Graph.Node.Add(new NodeProto { Name = "add", OpType = "Identity", Input = { "r" }, Output = { "y" } });
            string path = Path.Combine(dir, "m.onnx");
            File.WriteAllBytes(path, p.ToByteArray());
            var model = OnnxLoader.Load(path);
            Assert.Equal(new float[] { 2, 3, 4 }, model.Graph.Initializers["w"].Floats.ToArray());

            w.ExternalData[0].Value = "../outside.bin";
            File.WriteAllBytes(path, p.ToByteArray());
            var e = Assert.Throws<ModelFormatException>(() => OnnxLoader.Load(path));
            Assert.Contains("outside.bin", e.Message);

            w.ExternalData[0].Value = "/etc/passwd";
            File.WriteAllBytes(path, p.ToByteArray());
            Assert.Throws<ModelFormatException>(() => OnnxLoader.Load(path));

            w.ExternalData[0].Value = "w.bin";
            w.ExternalData[1].Value = "8";
            File.WriteAllBytes(path, p.ToByteArray());
            Assert.Throws<ModelFormatException>(() => OnnxLoader.Load(path));
        }
        finally { Directory.Delete(dir, true); }
    }

    [Fact]
    public void WrongInputShapeIsAnInputError()
    {
        var s = new InferenceSession(OnnxLoader.Load(ReluModel(op: "Identity").ToByteArray(), null, "m.onnx"), new SessionOptions { Backend = ReferenceBackend.Instance });
        var e = Assert.Throws<InputException>(() => s.Run(Tensor.Zeros(DataType.Float32, [3, 2])));
        Assert.Contains("'x'", e.Message);
        Assert.Throws<InputException>(() => s.Run(new Dictionary<string, Tensor>()));
    }
}
