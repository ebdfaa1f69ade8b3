using KernelVision.Backends.Reference;
using KernelVision.Execution;
using KernelVision.Gpu.Runtime;
using KernelVision.Graph;
using KernelVision.Tensors;
using Xunit;
using static KernelVision.Gpu.Tests.GpuCheck;

namespace KernelVision.Gpu.Tests;

/// <summary>Whole small models on gpu-sim: agreement with Reference, device residency, host fallbacks.</summary>
public class SessionTests
{
    private static Node N(string op, string[] ins, string[] outs, params Graph.Attribute[] attrs) =>
        new() { Name = outs[0] + "_node", OpType = op, Inputs = ins.ToList(), Outputs = outs.ToList(), Attributes = new AttributeSet(attrs, op) };

    /// <summary>A U-Net/GAN-shaped toy: conv-BN-relu, pool, conv, transposed conv, skip concat, depthwise, instance norm, resize, 1×1 conv, tanh; plus a classifier head.</summary>
    public static Model UNetLike()
    {
        var g = new ModelGraph();
        void Init(string name, Tensor t) => g.Initializers[name] = t;
        Init("w1", Random(1, 8, 3, 3, 3)); Init("b1", Random(2, 8));
        Init("bn_s", Positive(3, 8)); Init("bn_b", Random(4, 8)); Init("bn_m", Random(5, 8)); Init("bn_v", Positive(6, 8));
        Init("w2", Random(7, 16, 8, 3, 3)); Init("b2", Random(8, 16));
        Init("wt", Random(9, 16, 8, 4, 4)); Init("bt", Random(10, 8));
        Init("wd", Random(11, 16, 1, 3, 3));
        Init("in_s", Positive(12, 16)); Init("in_b", Random(13, 16));
        Init("w3", Random(14, 4, 16, 1, 1));
        Init("scales", Tensor.FromFloats([4], [1, 1, 2, 2]));
        Init("roi", Tensor.FromFloats([0], []));
        Init("wf", Random(15, 5, 16)); Init("bf", Random(16, 5));
        g.Nodes.AddRange(
        [
            N("Conv", ["x", "w1", "b1"], ["c1"], Attr.Ints("pads", 1, 1, 1, 1)),
            N("BatchNormalization", ["c1", "bn_s", "bn_b", "bn_m", "bn_v"], ["n1"]),
            N("Relu", ["n1"], ["r1"]),
            N("MaxPool", ["r1"], ["p1"], Attr.Ints("kernel_shape", 2, 2), Attr.Ints("strides", 2, 2)),
            N("Conv", ["p1", "w2", "b2"], ["c2"], Attr.Ints("pads", 1, 1, 1, 1)),
            N("LeakyRelu", ["c2"], ["r2"], Attr.Float("alpha", 0.2f)),
            N("ConvTranspose", ["r2", "wt", "bt"], ["u1"], Attr.Ints("strides", 2, 2), Attr.Ints("pads", 1, 1, 1, 1)),
            N("Concat", ["u1", "r1"], ["cat"], Attr.Int("axis", 1)),
            N("Conv", ["cat", "wd"], ["dw"], Attr.Int("group", 16), Attr.Ints("pads", 1, 1, 1, 1)),
            N("InstanceNormalization", ["dw", "in_s", "in_b"], ["in1"]),
            N("Resize", ["in1", "roi", "scales"], ["up"], Attr.String("mode", "nearest")),
            N("Conv", ["up", "w3"], ["c3"]),
            N("Tanh", ["c3"], ["y"]),
            N("GlobalAveragePool", ["in1"], ["gap"]),
            N("Flatten", ["gap"], ["flat"]),
            N("Gemm", ["flat", "wf", "bf"], ["logits"], Attr.Int("transB", 1)),
            N("Softmax", ["logits"], ["z"], Attr.Int("axis", 1)),
        ]);
        g.Inputs.Add(new ValueInfo("x", DataType.Float32, [new Dim(1, null), new Dim(3, null), new Dim(10, null), new Dim(12, null)]));
        g.Outputs.Add(new ValueInfo("y", DataType.Float32, null));
        g.Outputs.Add(new ValueInfo("z", DataType.Float32, null));
        var m = new Model { Graph = g };
        m.Opsets[""] = 17;
        return m;
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void UNetLikeMatchesReference(bool optimize)
    {
        var x = Random(20, 1, 3, 10, 12);
        var expected = new InferenceSession(UNetLike(), new SessionOptions { Backend = ReferenceBackend.Instance, Optimize = false }).Run(x);
        var session = new InferenceSession(UNetLike(), new SessionOptions { Optimize = optimize, Backend = new GpuBackend(Sim, "gpu-sim"), AllowReferenceFallback = false });
        var actual = session.Run(x);
        for (int i = 0; i < expected.Length; i++) Close(expected[i], actual[i], 1e-4, $"output {i}");
        // Second run: same plan, weights cached, still right.
        var again = session.Run(x);
        for (int i = 0; i < expected.Length; i++) Close(expected[i], again[i], 1e-4, $"rerun output {i}");
    }

    [Fact]
    public void IntermediatesStayOnDeviceAndWeightsUploadOnce()
    {
        using var device = GpuDevice.OpenSimulator();
        var session = new InferenceSession(UNetLike(), new SessionOptions { Optimize = false, Backend = new GpuBackend(device, "gpu-sim") });
        var x = Random(21, 1, 3, 10, 12);
        var outputs = session.Run(x);
        long outputBytes = outputs.Sum(t => 4L * t.Length);
        Assert.Equal(outputBytes, device.Memory.BytesDownloaded);

        long up = device.Memory.BytesUploaded, down = device.Memory.BytesDownloaded;
        var x2 = Random(22, 1, 3, 10, 12);
        var second = session.Run(x2);
        Assert.Equal(4L * x2.Length, device.Memory.BytesUploaded - up);
        Assert.Equal(outputBytes, device.Memory.BytesDownloaded - down);
        var expected = new InferenceSession(UNetLike(), new SessionOptions { Backend = ReferenceBackend.Instance, Optimize = false }).Run(x2);
        for (int i = 0; i < expected.Length; i++) Close(expected[i], second[i], 1e-4, $"output {i}");
    }

    [Fact]
    public void HostConsumersAndObserverSeeCurrentValues()
    {
        // ArgMax has no Gpu kernel: the session runs it on the host, so the conv output it reads must be copied back.
        var g = new ModelGraph();
        g.Initializers["w"] = Random(30, 4, 2, 3, 3);
        g.Nodes.AddRange(
        [
            N("Conv", ["x", "w"], ["c"], Attr.Ints("pads", 1, 1, 1, 1)),
            N("Relu", ["c"], ["r"]),
            N("ArgMax", ["c"], ["am"], Attr.Int("axis", 1)),
            N("Sigmoid", ["r"], ["y"]),
        ]);
        g.Inputs.Add(new ValueInfo("x", DataType.Float32, null));
        g.Outputs.Add(new ValueInfo("y", DataType.Float32, null));
        g.Outputs.Add(new ValueInfo("am", DataType.Int64, null));
        var model = new Model { Graph = g };
        model.Opsets[""] = 17;
        var x = Random(31, 1, 2, 5, 6);
        var expected = new InferenceSession(model, new SessionOptions { Backend = ReferenceBackend.Instance, Optimize = false }).Run(x);
        var backend = new GpuBackend(Sim, "gpu-sim") { SyncEveryOutput = true };
        var session = new InferenceSession(model, new SessionOptions { Optimize = false, Backend = backend });
        var seen = new Dictionary<string, Tensor>();
        var actual = session.Run(new Dictionary<string, Tensor> { ["x"] = x }, (node, outs) => seen[node.Node.Outputs[0]] = outs[0]!.Clone());
        Close(expected[0], actual["y"], 1e-4, "y");
        Assert.Equal(expected[1].Int64s.ToArray(), actual["am"].Int64s.ToArray());
        var reluRef = new InferenceSession(model, new SessionOptions { Backend = ReferenceBackend.Instance, Optimize = false });
        var refSeen = new Dictionary<string, Tensor>();
        reluRef.Run(new Dictionary<string, Tensor> { ["x"] = x }, (node, outs) => refSeen[node.Node.Outputs[0]] = outs[0]!.Clone());
        Close(refSeen["r"], seen["r"], 1e-4, "observed r");
    }

    [Fact]
    public void KernelsCompileOncePerAccelerator()
    {
        using var device = GpuDevice.OpenSimulator();
        var x = Random(40, 1, 3, 10, 12);
        new InferenceSession(UNetLike(), new SessionOptions { Optimize = false, Backend = new GpuBackend(device, "gpu-sim") }).Run(x);
        int compiled = device.CompiledKernelCount;
        new InferenceSession(UNetLike(), new SessionOptions { Optimize = false, Backend = new GpuBackend(device, "gpu-sim") }).Run(x);
        Assert.Equal(compiled, device.CompiledKernelCount);
    }
}
