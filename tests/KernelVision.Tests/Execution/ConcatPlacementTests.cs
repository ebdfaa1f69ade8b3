using Google.Protobuf;
using KernelVision.Backends.Reference;
using KernelVision.Execution;
using KernelVision.Onnx;
using KernelVision.Onnx.Proto;
using KernelVision.Tensors;
using KernelVision.Tests.Onnx;
using Xunit;

namespace KernelVision.Tests.Execution;

/// <summary>
/// The planner places a Concat's inputs in the Concat's output (their producers write straight into
/// its blocks) where the Concat's kernel takes them so (the Cpu one): the numbers never change, the
/// plan counts the inputs it placed, and a Fire-shaped graph's arena shrinks. The Reference and
/// gpu-sim backends, whose Concats copy, plan the same graph without it.
/// </summary>
public class ConcatPlacementTests
{
    private static void Attr(NodeProto n, string name, params long[] ints) =>
        n.Attribute.Add(new AttributeProto { Name = name, Type = AttributeProto.Types.AttributeType.Ints, Ints = { ints } });

    private static NodeProto Conv(GraphProto g, string name, string x, int cin, int cout, int k, Random rng)
    {
        var w = Tensor.Zeros(DataType.Float32, [cout, cin, k, k]);
        for (int i = 0; i < w.Length; i++) w.Floats[i] = (float)(rng.NextDouble() - 0.5);
        g.Initializer.Add(TensorProtoConverter.FromTensor(w, name + "_w"));
        var n = new NodeProto { Name = name, OpType = "Conv", Input = { x, name + "_w" }, Output = { name } };
        Attr(n, "pads", k / 2, k / 2, k / 2, k / 2);
        g.Node.Add(n);
        return n;
    }

    /// <summary>
    /// x [n, 4, 6, 7] → a conv (5 channels) and two (6, then 3) → Concat → ReLU → y, an Inception block's shape;
    /// <paramref name="variant"/> changes one thing (see <see cref="Cases"/>).
    /// </summary>
    private static byte[] Model(string variant, int n)
    {
        var rng = new Random(3);
        var g = new GraphProto { Name = "g" };
        Conv(g, "a", "x", 4, 5, 1, rng);
        // b's branch has a buffer of its own between a's write and the Concat: had the output's
        // lifetime not been moved back to a's write, the planner could put t over a's block.
        Conv(g, "t", "x", 4, 6, 1, rng);
        Conv(g, "b", "t", 6, variant == "height" ? 5 : 3, 3, rng); // along H both need a's 5 channels
        string[] inputs = variant switch
        {
            "input" => ["x", "b"],
            "nested" => ["ab", "d"],
            "repeat" => ["a", "b", "a"],
            _ => ["a", "b"],
        };
        if (variant == "nested")
        {
            g.Node.Add(new NodeProto { Name = "inner", OpType = "Concat", Input = { "a", "b" }, Output = { "ab" }, Attribute = { new AttributeProto { Name = "axis", Type = AttributeProto.Types.AttributeType.Int, I = 1 } } });
            Conv(g, "d", "x", 4, 2, 3, rng);
        }
        // A U-Net skip: a is read (by its pool, here a Sigmoid) before the Concat, and by nothing after it.
        if (variant == "skip") g.Node.Add(new NodeProto { Name = "sig", OpType = "Sigmoid", Input = { "a" }, Output = { "s" } });
        var cat = new NodeProto { Name = "cat", OpType = "Concat", Output = { "c" } };
        cat.Input.AddRange(inputs);
        cat.Attribute.Add(new AttributeProto { Name = "axis", Type = AttributeProto.Types.AttributeType.Int, I = variant == "height" ? 2 : 1 });
        g.Node.Add(cat);
        if (variant == "twice") g.Node.Add(new NodeProto { Name = "sig", OpType = "Sigmoid", Input = { "a" }, Output = { "s" } });
        if (variant != "output") g.Node.Add(new NodeProto { Name = "relu", OpType = "Relu", Input = { "c" }, Output = { "y" } });
        g.Input.Add(LoaderTests.Vi("x", n, 4, 6, 7));
        g.Output.Add(new ValueInfoProto { Name = variant == "output" ? "c" : "y" });
        if (variant is "twice" or "skip") g.Output.Add(new ValueInfoProto { Name = "s" });
        var m = new ModelProto { IrVersion = 8, Graph = g };
        m.OpsetImport.Add(new OperatorSetIdProto { Domain = "", Version = 13 });
        return m.ToByteArray();
    }

    /// <summary>
    /// A DenseNet block: f0 = conv(x); each layer convolves the Concat of every feature before it
    /// (the first Concat has f0 alone) and adds its output to the list; the block ends in the Concat
    /// of all of them → ReLU → y.
    /// </summary>
    private static byte[] DenseBlock(int layers)
    {
        var rng = new Random(8);
        var g = new GraphProto { Name = "g" };
        Conv(g, "f0", "x", 4, 3, 1, rng);
        var features = new List<string> { "f0" };
        for (int l = 1; l <= layers + 1; l++)
        {
            var cat = new NodeProto { Name = $"cat{l}", OpType = "Concat", Output = { $"cat{l}" } };
            cat.Input.AddRange(features);
            cat.Attribute.Add(new AttributeProto { Name = "axis", Type = AttributeProto.Types.AttributeType.Int, I = 1 });
            g.Node.Add(cat);
            if (l > layers) break;
            Conv(g, $"l{l}", $"cat{l}", 3 + 2 * (l - 1), 2, 3, rng);
            features.Add($"l{l}");
        }
        g.Node.Add(new NodeProto { Name = "relu", OpType = "Relu", Input = { $"cat{layers + 1}" }, Output = { "y" } });
        g.Input.Add(LoaderTests.Vi("x", 1, 4, 6, 7));
        g.Output.Add(new ValueInfoProto { Name = "y" });
        var m = new ModelProto { IrVersion = 8, Graph = g };
        m.OpsetImport.Add(new OperatorSetIdProto { Domain = "", Version = 13 });
        return m.ToByteArray();
    }

    [Fact]
    public void DenseBlockConcatsShareTheLastOnesOutput()
    {
        // 3 layers: f0, l1, l2, l3 live in the last Concat's output (read by every Concat, the last one
        // last), and each earlier Concat's output is the first block of the next one's: 4 + 3 placed.
        var bytes = DenseBlock(3);
        var x = Tensor.Zeros(DataType.Float32, [1, 4, 6, 7]);
        var rng = new Random(9);
        for (int i = 0; i < x.Length; i++) x.Floats[i] = (float)(rng.NextDouble() * 2 - 1);
        var reference = new InferenceSession(OnnxLoader.Load(bytes, null, "m.onnx"), new SessionOptions { Backend = ReferenceBackend.Instance, Optimize = false });
        var want = reference.Run([x]);
        var session = new InferenceSession(OnnxLoader.Load(bytes, null, "m.onnx"), new SessionOptions { Backend = Fuzzing.FuzzCampaign.Backend("cpu"), Optimize = false });
        for (int run = 0; run < 2; run++)
            TensorAssert.Close(want[0], session.Run([x])[0], rtol: 1e-5, atol: 1e-6);
        Assert.Equal(7, session.LastPlan!.PlacedInputs);
        // Only the last Concat's output and f0 … l3's blocks in it: smaller than copying.
        Assert.True(session.LastRunMemory.ArenaBytes < reference.LastRunMemory.ArenaBytes,
            $"cpu arena {session.LastRunMemory.ArenaBytes} B, unplaced {reference.LastRunMemory.ArenaBytes} B");
    }

    [Fact]
    public void ALaterConcatOfOtherInputsDoesNotHoldAnEarlierOne()
    {
        // cat1 = [a, b] and cat2 = [b, a, b]: cat2 does not begin with cat1's inputs, so cat1 keeps a buffer
        // of its own (held in cat2, cat1's copy of a would land on b's block there).
        var rng = new Random(10);
        var g = new GraphProto { Name = "g" };
        Conv(g, "a", "x", 4, 3, 1, rng);
        Conv(g, "b", "x", 4, 3, 3, rng);
        foreach (var (name, inputs, act) in new[] { ("cat1", new[] { "a", "b" }, "Relu"), ("cat2", new[] { "b", "a", "b" }, "Sigmoid") })
        {
            var cat = new NodeProto { Name = name, OpType = "Concat", Output = { name } };
            cat.Input.AddRange(inputs);
            cat.Attribute.Add(new AttributeProto { Name = "axis", Type = AttributeProto.Types.AttributeType.Int, I = 1 });
            g.Node.Add(cat);
            g.Node.Add(new NodeProto { Name = act, OpType = act, Input = { name }, Output = { "y_" + name } });
            g.Output.Add(new ValueInfoProto { Name = "y_" + name });
        }
        g.Input.Add(LoaderTests.Vi("x", 1, 4, 6, 7));
        var m = new ModelProto { IrVersion = 8, Graph = g };
        m.OpsetImport.Add(new OperatorSetIdProto { Domain = "", Version = 13 });
        var bytes = m.ToByteArray();
        var x = Tensor.Zeros(DataType.Float32, [1, 4, 6, 7]);
        for (int i = 0; i < x.Length; i++) x.Floats[i] = (float)(rng.NextDouble() * 2 - 1);
        var want = new InferenceSession(OnnxLoader.Load(bytes, null, "m.onnx"), new SessionOptions { Backend = ReferenceBackend.Instance, Optimize = false }).Run([x]);
        var session = new InferenceSession(OnnxLoader.Load(bytes, null, "m.onnx"), new SessionOptions { Backend = Fuzzing.FuzzCampaign.Backend("cpu"), Optimize = false });
        var got = session.Run([x]);
        for (int i = 0; i < want.Length; i++) TensorAssert.Close(want[i], got[i], rtol: 1e-5, atol: 1e-6);
        Assert.Equal(2, session.LastPlan!.PlacedInputs); // a and b, in cat2 (their last reader)
    }

    public static TheoryData<string, int, int> Cases() => new()
    {
        // variant, batch, inputs the Cpu plan places
        { "fire", 1, 2 },
        { "nested", 1, 4 },      // a, b in the inner Concat's output; it and d in the outer one's
        { "twice", 1, 1 },       // a has a reader after the Concat and stays apart; b is placed
        { "skip", 1, 2 },        // a's other reader comes before the Concat: a is placed and read there
        { "repeat", 1, 2 },      // a is two blocks of the output: placed in the first, copied to the second
        { "input", 1, 1 },       // x is the graph's input and stays apart; b is placed
        { "fire", 2, 0 },        // batch 2: an input is two blocks of the output, not one
        { "height", 1, 0 },      // along H with 5 channels before it: not contiguous blocks
        { "output", 1, 0 },      // the Concat's output is handed to the caller, outside the arena
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void PlacedInputsChangeTheArenaNotTheNumbers(string variant, int batch, int placed)
    {
        var bytes = Model(variant, batch);
        var x = Tensor.Zeros(DataType.Float32, [batch, 4, 6, 7]);
        var rng = new Random(5);
        for (int i = 0; i < x.Length; i++) x.Floats[i] = (float)(rng.NextDouble() * 2 - 1);
        var reference = new InferenceSession(OnnxLoader.Load(bytes, null, "m.onnx"), new SessionOptions { Backend = ReferenceBackend.Instance, Optimize = false });
        var want = reference.Run([x]);
        foreach (var backend in new[] { "cpu", "gpu-sim" })
        {
            var session = new InferenceSession(OnnxLoader.Load(bytes, null, "m.onnx"), new SessionOptions { Backend = Fuzzing.FuzzCampaign.Backend(backend), Optimize = false });
            for (int run = 0; run < 2; run++) // the second run reuses the arena the first one wrote
            {
                var got = session.Run([x]);
                for (int i = 0; i < want.Length; i++) TensorAssert.Close(want[i], got[i], rtol: 1e-5, atol: 1e-6);
            }
            Assert.Equal(backend == "cpu" ? placed : 0, session.LastPlan!.PlacedInputs);
            long unplaced = reference.LastRunMemory.ArenaBytes;
            if (backend == "cpu" && variant == "fire" && batch == 1)
                Assert.True(session.LastRunMemory.ArenaBytes < unplaced, $"cpu arena {session.LastRunMemory.ArenaBytes} B, unplaced {unplaced} B");
            if (placed == 0 || backend != "cpu") Assert.Equal(unplaced, session.LastRunMemory.ArenaBytes);
        }
    }
}
