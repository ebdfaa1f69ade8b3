using Google.Protobuf;
using KernelVision.Execution;
using KernelVision.Onnx;
using KernelVision.Onnx.Proto;
using KernelVision.Tensors;
using KernelVision.Tests.Onnx;
using Xunit;

namespace KernelVision.Tests.Execution;

/// <summary>
/// <see cref="InferenceSession.RunInto"/> writes a run's outputs into the caller's tensors: the same
/// numbers as <see cref="InferenceSession.Run(Tensor[])"/> on every backend, whatever the tensors held
/// before, views included; constant outputs are copied; every misuse is a typed error naming the
/// output; and a loop over it allocates no output memory.
/// </summary>
public class RunIntoTests
{
    // x [1, 4, 6, 7] → Conv 3×3 (5 channels) → c; y = Relu(c), s = Sigmoid(c); k, an initializer, is an output too.
    private static byte[] ConvModel(int cout = 5, int h = 6, int w = 7)
    {
        var rng = new Random(3);
        var g = new GraphProto { Name = "g" };
        var wt = Tensor.Zeros(DataType.Float32, [cout, 4, 3, 3]);
        for (int i = 0; i < wt.Length; i++) wt.Floats[i] = (float)(rng.NextDouble() - 0.5);
        g.Initializer.Add(TensorProtoConverter.FromTensor(wt, "w"));
        g.Initializer.Add(TensorProtoConverter.FromTensor(Tensor.FromFloats([3], [1f, 2f, 3f]), "k"));
        var conv = new NodeProto { Name = "conv", OpType = "Conv", Input = { "x", "w" }, Output = { "c" } };
        conv.Attribute.Add(new AttributeProto { Name = "pads", Type = AttributeProto.Types.AttributeType.Ints, Ints = { 1, 1, 1, 1 } });
        g.Node.Add(conv);
        g.Node.Add(new NodeProto { Name = "relu", OpType = "Relu", Input = { "c" }, Output = { "y" } });
        g.Node.Add(new NodeProto { Name = "sig", OpType = "Sigmoid", Input = { "c" }, Output = { "s" } });
        g.Input.Add(LoaderTests.Vi("x", 1, 4, h, w));
        g.Output.Add(new ValueInfoProto { Name = "y" });
        g.Output.Add(new ValueInfoProto { Name = "s" });
        g.Output.Add(new ValueInfoProto { Name = "k" });
        var m = new ModelProto { IrVersion = 8, Graph = g };
        m.OpsetImport.Add(new OperatorSetIdProto { Domain = "", Version = 13 });
        return m.ToByteArray();
    }

    // x [2, 6] reshaped to the shape the second input gives: y's shape is known only when the run does it.
    private static byte[] ReshapeModel()
    {
        var g = new GraphProto { Name = "g" };
        g.Node.Add(new NodeProto { Name = "reshape", OpType = "Reshape", Input = { "x", "shape" }, Output = { "r" } });
        g.Node.Add(new NodeProto { Name = "relu", OpType = "Relu", Input = { "r" }, Output = { "y" } });
        g.Input.Add(LoaderTests.Vi("x", 2, 6));
        g.Input.Add(Fuzzing.SeedModels.ViOf("shape", 7, 2));
        g.Output.Add(new ValueInfoProto { Name = "y" });
        var m = new ModelProto { IrVersion = 8, Graph = g };
        m.OpsetImport.Add(new OperatorSetIdProto { Domain = "", Version = 13 });
        return m.ToByteArray();
    }

    private static InferenceSession Session(byte[] model, string backend) =>
        new(OnnxLoader.Load(model, null, "m.onnx"), new SessionOptions { Backend = Fuzzing.FuzzCampaign.Backend(backend) });

    private static Tensor Random(int[] shape, int seed)
    {
        var t = Tensor.Zeros(DataType.Float32, shape);
        var rng = new Random(seed);
        for (int i = 0; i < t.Length; i++) t.Floats[i] = (float)(rng.NextDouble() * 2 - 1);
        return t;
    }

    private static Tensor NaNs(int[] shape)
    {
        var t = Tensor.Zeros(DataType.Float32, shape);
        t.Floats.Fill(float.NaN);
        return t;
    }

    [Theory]
    [InlineData("reference")]
    [InlineData("cpu")]
    [InlineData("gpu-sim")]
    public void WritesWhatRunReturns(string backend)
    {
        using var session = Session(ConvModel(), backend);
        var given = new Dictionary<string, Tensor> { ["y"] = NaNs([1, 5, 6, 7]), ["s"] = NaNs([1, 5, 6, 7]), ["k"] = NaNs([3]) };
        var written = given.ToDictionary(kv => kv.Key, kv => kv.Value);
        for (int seed = 1; seed <= 2; seed++) // the second run overwrites the first one's numbers
        {
            var feeds = new Dictionary<string, Tensor> { ["x"] = Random([1, 4, 6, 7], seed) };
            var want = session.Run(feeds);
            session.RunInto(feeds, given);
            foreach (var (name, t) in given)
            {
                Assert.Same(written[name], t);
                Assert.Equal(want[name].Floats.ToArray(), t.Floats.ToArray());
            }
        }
        Assert.Equal([1f, 2f, 3f], given["k"].Floats.ToArray());
    }

    [Fact]
    public void WritesIntoAViewAndNothingAroundIt()
    {
        using var session = Session(ConvModel(), "cpu");
        var feeds = new Dictionary<string, Tensor> { ["x"] = Random([1, 4, 6, 7], 4) };
        var want = session.Run(feeds)["y"];
        var storage = new float[want.Length + 40];
        storage.AsSpan().Fill(float.NaN);
        var view = new Tensor(DataType.Float32, [1, 5, 6, 7], storage, 17);
        session.RunInto(feeds, new Dictionary<string, Tensor> { ["y"] = view });
        Assert.Equal(want.Floats.ToArray(), view.Floats.ToArray());
        Assert.All(storage[..17], v => Assert.True(float.IsNaN(v)));
        Assert.All(storage[(17 + want.Length)..], v => Assert.True(float.IsNaN(v)));
    }

    [Fact]
    public void OutputsNotGivenAreComputedAndDropped()
    {
        using var session = Session(ConvModel(), "cpu");
        var feeds = new Dictionary<string, Tensor> { ["x"] = Random([1, 4, 6, 7], 6) };
        var want = session.Run(feeds)["s"];
        var s = NaNs([1, 5, 6, 7]);
        session.RunInto(feeds, new Dictionary<string, Tensor> { ["s"] = s });
        Assert.Equal(want.Floats.ToArray(), s.Floats.ToArray());
    }

    public static TheoryData<string, string> Misuses() => new()
    {
        { "unknown", "'z' is not an output of the model" },
        { "shape", "output 'y' is float32[1,5,6,7] for these inputs; the tensor given for it is float32[1,5,6,6]" },
        { "type", "output 'y' is float32[1,5,6,7] for these inputs; the tensor given for it is int64[1,5,6,7]" },
        { "constant shape", "output 'k' is float32[3] for these inputs; the tensor given for it is float32[4]" },
        { "input", "the tensor given for output 'y' shares memory with input 'x'" },
        { "twice", "the tensors given for outputs 's' and 'y' share memory" },
        { "null", "the tensor given for output 'y' is null" },
    };

    [Theory]
    [MemberData(nameof(Misuses))]
    public void MisuseIsATypedErrorNamingTheOutput(string misuse, string message)
    {
        using var session = Session(ConvModel(cout: 5, h: 6, w: 7), "cpu");
        // Same element count as y: only the shape or the memory is wrong.
        var x = Random([1, 4, 6, 7], 2);
        var y = NaNs([1, 5, 6, 7]);
        var given = misuse switch
        {
            "unknown" => new Dictionary<string, Tensor> { ["z"] = y },
            "shape" => new Dictionary<string, Tensor> { ["y"] = NaNs([1, 5, 6, 6]) },
            "type" => new Dictionary<string, Tensor> { ["y"] = Tensor.Zeros(DataType.Int64, [1, 5, 6, 7]) },
            "constant shape" => new Dictionary<string, Tensor> { ["k"] = NaNs([4]) },
            "input" => [],
            "twice" => new Dictionary<string, Tensor> { ["y"] = y, ["s"] = y.Reshape([1, 5, 6, 7]) },
            _ => new Dictionary<string, Tensor> { ["y"] = null! },
        };
        if (misuse == "input")
        {
            // x's 168 elements and y's 210 overlap in one array.
            var shared = new float[400];
            x = new Tensor(DataType.Float32, [1, 4, 6, 7], shared, 0);
            given = new Dictionary<string, Tensor> { ["y"] = new Tensor(DataType.Float32, [1, 5, 6, 7], shared, 100) };
        }
        var before = given.Values.Where(t => t is not null).Select(t => t.Type == DataType.Float32 ? t.Floats.ToArray() : []).ToList();
        var e = Assert.Throws<InputException>(() => session.RunInto(new Dictionary<string, Tensor> { ["x"] = x }, given));
        Assert.Contains(message, e.Message);
        Assert.StartsWith(session.Model.DisplayName + ": ", e.Message);
        // Checked before anything ran: the given tensors are untouched.
        var after = given.Values.Where(t => t is not null).Select(t => t.Type == DataType.Float32 ? t.Floats.ToArray() : []).ToList();
        for (int i = 0; i < before.Count; i++) Assert.Equal(before[i], after[i]);
        // And the session still runs.
        session.RunInto(new Dictionary<string, Tensor> { ["x"] = Random([1, 4, 6, 7], 2) }, new Dictionary<string, Tensor> { ["y"] = NaNs([1, 5, 6, 7]) });
    }

    [Theory]
    [InlineData("reference")]
    [InlineData("cpu")]
    public void ShapesKnownOnlyAtRunTimeAreCheckedThen(string backend)
    {
        using var session = Session(ReshapeModel(), backend);
        var x = Random([2, 6], 8);
        var feeds = new Dictionary<string, Tensor> { ["x"] = x, ["shape"] = Tensor.Vector(3, 4) };
        var y = NaNs([3, 4]);
        session.RunInto(feeds, new Dictionary<string, Tensor> { ["y"] = y });
        Assert.Equal(x.Floats.ToArray().Select(v => Math.Max(v, 0f)).ToArray(), y.Floats.ToArray());

        feeds["shape"] = Tensor.Vector(4, 3);
        var e = Assert.Throws<InputException>(() => session.RunInto(feeds, new Dictionary<string, Tensor> { ["y"] = y }));
        Assert.Contains("output 'y' is float32[4,3] for these inputs; the tensor given for it is float32[3,4]", e.Message);
        var z = NaNs([4, 3]);
        session.RunInto(feeds, new Dictionary<string, Tensor> { ["y"] = z });
        Assert.Equal(x.Floats.ToArray().Select(v => Math.Max(v, 0f)).ToArray(), z.Floats.ToArray());
    }

    [Fact]
    public void ALoopAllocatesNoOutputMemory()
    {
        // 64 KiB of outputs per run: Run allocates them every time, RunInto not at all.
        using var session = Session(ConvModel(cout: 16, h: 32, w: 32), "cpu");
        var feeds = new Dictionary<string, Tensor> { ["x"] = Random([1, 4, 32, 32], 1) };
        var given = session.Run(feeds).Where(kv => kv.Key != "k").ToDictionary(kv => kv.Key, kv => kv.Value);
        session.RunInto(feeds, given);
        long Fewest(Action a)
        {
            long fewest = long.MaxValue;
            for (int r = 0; r < 3; r++)
            {
                long before = GC.GetAllocatedBytesForCurrentThread();
                a();
                fewest = Math.Min(fewest, GC.GetAllocatedBytesForCurrentThread() - before);
            }
            return fewest;
        }
        long into = Fewest(() => session.RunInto(feeds, given));
        long run = Fewest(() => session.Run(feeds));
        Assert.True(run >= 2 * 16 * 32 * 32 * sizeof(float), $"Run allocated {run} B");
        Assert.True(into < 2048, $"RunInto allocated {into} B per run");
    }
}
