using Google.Protobuf;
using KernelVision.Execution;
using KernelVision.Onnx;
using KernelVision.Onnx.Proto;
using KernelVision.Tensors;
using Xunit;

namespace KernelVision.Cpu.Tests;

/// <summary>
/// The Cpu backend gives bit-identical outputs run to run and thread to thread: parallel kernels
/// must split work so that each output element is always summed in the same order, whatever the
/// scheduling. Uses whatever Cpu kernels exist (the rest fall back to Reference).
/// </summary>
public class CpuDeterminismTests
{
    private static TensorProto Weights(string name, params long[] dims)
    {
        long n = dims.Aggregate(1L, (a, b) => a * b);
        var bytes = new byte[n * 4];
        for (int i = 0; i < n; i++) BitConverter.TryWriteBytes(bytes.AsSpan(i * 4), MathF.Sin(i * 0.7f) * 0.1f);
        var t = new TensorProto { Name = name, DataType = 1, RawData = ByteString.CopyFrom(bytes) };
        t.Dims.Add(dims);
        return t;
    }

    private static ValueInfoProto Vi(string name, params long[] dims)
    {
        var shape = new TensorShapeProto();
        foreach (var d in dims) shape.Dim.Add(new TensorShapeProto.Types.Dimension { DimValue = d });
        return new ValueInfoProto { Name = name, Type = new TypeProto { TensorType = new TypeProto.Types.Tensor { ElemType = 1, Shape = shape } } };
    }

    // Conv → Relu → Conv → GlobalAveragePool → Flatten → Gemm, and a MatMul big enough to be split over threads.
    private static byte[] Model()
    {
        var g = new GraphProto { Name = "det" };
        g.Input.Add(Vi("x", 1, 4, 12, 12));
        g.Input.Add(Vi("a", 64, 96));
        g.Initializer.Add(Weights("w1", 8, 4, 3, 3));
        g.Initializer.Add(Weights("b1", 8));
        g.Initializer.Add(Weights("w2", 8, 8, 3, 3));
        g.Initializer.Add(Weights("fc", 10, 8));
        g.Initializer.Add(Weights("fcb", 10));
        g.Initializer.Add(Weights("m", 96, 48));
        var pads = new AttributeProto { Name = "pads", Type = AttributeProto.Types.AttributeType.Ints, Ints = { 1, 1, 1, 1 } };
        g.Node.Add(new NodeProto { OpType = "Conv", Input = { "x", "w1", "b1" }, Output = { "c1" }, Attribute = { pads } });
        g.Node.Add(new NodeProto { OpType = "Relu", Input = { "c1" }, Output = { "r1" } });
        g.Node.Add(new NodeProto { OpType = "Conv", Input = { "r1", "w2" }, Output = { "c2" }, Attribute = { pads.Clone() } });
        g.Node.Add(new NodeProto { OpType = "GlobalAveragePool", Input = { "c2" }, Output = { "gp" } });
        g.Node.Add(new NodeProto { OpType = "Flatten", Input = { "gp" }, Output = { "f" } });
        g.Node.Add(new NodeProto
        {
            OpType = "Gemm",
            Input = { "f", "fc", "fcb" },
            Output = { "logits" },
            Attribute = { new AttributeProto { Name = "transB", Type = AttributeProto.Types.AttributeType.Int, I = 1 } },
        });
        g.Node.Add(new NodeProto { OpType = "MatMul", Input = { "a", "m" }, Output = { "mm" } });
        g.Output.Add(Vi("logits", 1, 10));
        g.Output.Add(Vi("mm", 64, 48));
        var model = new ModelProto { IrVersion = 8, Graph = g };
        model.OpsetImport.Add(new OperatorSetIdProto { Version = 13 });
        return model.ToByteArray();
    }

    private static Tensor Filled(int[] shape, float phase)
    {
        var t = Tensor.Zeros(DataType.Float32, shape);
        for (int i = 0; i < t.Length; i++) t.Floats[i] = MathF.Cos(i * 0.013f + phase);
        return t;
    }

    private static byte[] Bits(Tensor[] outputs) => outputs.SelectMany(t => t.Floats.ToArray()).SelectMany(BitConverter.GetBytes).ToArray();

    private static InferenceSession Session(int threads) =>
        new(OnnxLoader.Load(Model(), null, "det.onnx"), new SessionOptions { Backend = new CpuBackend(threads) });

    [Theory]
    [InlineData(1)]
    [InlineData(4)]
    public void RepeatedRunsAreBitIdentical(int threads)
    {
        using var s = Session(threads);
        var x = Filled([1, 4, 12, 12], 0.3f);
        var a = Filled([64, 96], 1.1f);
        var first = Bits(s.Run(x, a));
        for (int i = 0; i < 10; i++) Assert.Equal(first, Bits(s.Run(x, a)));
    }

    [Fact]
    public void ConcurrentSessionsMatchSerialBitForBit()
    {
        const int threads = 8, runs = 5;
        using var serial = Session(4);
        var expected = new byte[threads * runs][];
        for (int k = 0; k < expected.Length; k++) expected[k] = Bits(serial.Run(Filled([1, 4, 12, 12], k), Filled([64, 96], -k)));
        var actual = new byte[expected.Length][];
        var workers = Enumerable.Range(0, threads).Select(t => new Thread(() =>
        {
            using var s = Session(4); // one session per thread; all share the Cpu thread pool
            for (int r = 0; r < runs; r++)
            {
                int k = t * runs + r;
                actual[k] = Bits(s.Run(Filled([1, 4, 12, 12], k), Filled([64, 96], -k)));
            }
        })).ToList();
        foreach (var w in workers) w.Start();
        foreach (var w in workers) w.Join();
        for (int k = 0; k < expected.Length; k++) Assert.True(expected[k].AsSpan().SequenceEqual(actual[k]), $"run {k} differs");
    }
}
