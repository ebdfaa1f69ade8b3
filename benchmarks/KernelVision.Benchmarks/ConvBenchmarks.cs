using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Columns;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Reports;
using BenchmarkDotNet.Running;
using KernelVision.Backends;
using KernelVision.Cpu;
using KernelVision.Graph;
using KernelVision.Ops;
using KernelVision.Ops.Neural;
using KernelVision.Tensors;

namespace KernelVision.Benchmarks;

/// <summary>
/// BenchmarkDotNet: the Cpu Conv/ConvTranspose kernels on the conv layers of ResNet-18,
/// MobileNetV2 and a DCGAN generator (batch 1, bias, fused ReLU), on 1 and all threads, with a
/// GFLOP/s column (2·MACs of the layer / mean time). Run with
/// <c>dotnet run -c Release --project benchmarks/KernelVision.Benchmarks -- bdn --filter *ConvBenchmarks*</c>
/// (add <c>--job short</c> for a quicker, rougher pass).
/// </summary>
[Config(typeof(ConvConfig))]
public class ConvBenchmarks
{
    /// <summary>One benchmarked layer: op type, X and W shapes, attributes; <paramref name="Normalized"/>: a fused BatchNormalization + ReLU on X (DenseNet).</summary>
    public sealed record Layer(string Op, int[] X, int[] W, Graph.Attribute[] Attributes, bool Normalized = false);

    private static Graph.Attribute[] Pad1 => [Attr.Ints("pads", 1, 1, 1, 1)];

    /// <summary>The layers by name (the Params of <see cref="Name"/>).</summary>
    public static readonly IReadOnlyDictionary<string, Layer> Layers = new Dictionary<string, Layer>
    {
        ["resnet18.conv1 7x7s2 3-64 224"] = new("Conv", [1, 3, 224, 224], [64, 3, 7, 7], [Attr.Ints("strides", 2, 2), Attr.Ints("pads", 3, 3, 3, 3)]),
        ["resnet18.layer1 3x3 64-64 56"] = new("Conv", [1, 64, 56, 56], [64, 64, 3, 3], Pad1),
        ["resnet18.layer2 3x3s2 64-128 56"] = new("Conv", [1, 64, 56, 56], [128, 64, 3, 3], [Attr.Ints("strides", 2, 2), .. Pad1]),
        ["resnet18.layer2 3x3 128-128 28"] = new("Conv", [1, 128, 28, 28], [128, 128, 3, 3], Pad1),
        ["resnet18.layer2 1x1s2 64-128 56"] = new("Conv", [1, 64, 56, 56], [128, 64, 1, 1], [Attr.Ints("strides", 2, 2)]),
        ["resnet18.layer3 3x3s2 128-256 28"] = new("Conv", [1, 128, 28, 28], [256, 128, 3, 3], [Attr.Ints("strides", 2, 2), .. Pad1]),
        ["resnet18.layer3 1x1s2 128-256 28"] = new("Conv", [1, 128, 28, 28], [256, 128, 1, 1], [Attr.Ints("strides", 2, 2)]),
        ["resnet18.layer3 3x3 256-256 14"] = new("Conv", [1, 256, 14, 14], [256, 256, 3, 3], Pad1),
        ["resnet18.layer4 3x3s2 256-512 14"] = new("Conv", [1, 256, 14, 14], [512, 256, 3, 3], [Attr.Ints("strides", 2, 2), .. Pad1]),
        ["resnet18.layer4 1x1s2 256-512 14"] = new("Conv", [1, 256, 14, 14], [512, 256, 1, 1], [Attr.Ints("strides", 2, 2)]),
        ["resnet18.layer4 3x3 512-512 7"] = new("Conv", [1, 512, 7, 7], [512, 512, 3, 3], Pad1),
        ["inception_v3.stem 3x3s2 3-32 299"] = new("Conv", [1, 3, 299, 299], [32, 3, 3, 3], [Attr.Ints("strides", 2, 2)]),
        ["inception_v3.Mixed_6a 3x3s2 288-384 35"] = new("Conv", [1, 288, 35, 35], [384, 288, 3, 3], [Attr.Ints("strides", 2, 2)]),
        ["inception_v3.Mixed_6a 3x3s2 96-96 35"] = new("Conv", [1, 96, 35, 35], [96, 96, 3, 3], [Attr.Ints("strides", 2, 2)]),
        ["inception_v3.Mixed_7a 3x3s2 192-320 17"] = new("Conv", [1, 192, 17, 17], [320, 192, 3, 3], [Attr.Ints("strides", 2, 2)]),
        ["inception_v3.Mixed_7a 3x3s2 192-192 17"] = new("Conv", [1, 192, 17, 17], [192, 192, 3, 3], [Attr.Ints("strides", 2, 2)]),
        ["inception_v3.Mixed_6b 1x1 768-192 17"] = new("Conv", [1, 768, 17, 17], [192, 768, 1, 1], []),
        ["inception_v3.Mixed_6b 1x1 768-832 17"] = new("Conv", [1, 768, 17, 17], [832, 768, 1, 1], []),
        ["inception_v3.Mixed_6b 1x1 768-128 17"] = new("Conv", [1, 768, 17, 17], [128, 768, 1, 1], []),
        ["inception_v3.Mixed_5c 1x1 256-64 35"] = new("Conv", [1, 256, 35, 35], [64, 256, 1, 1], []),
        ["inception_v3.Conv2d_2b 3x3 32-64 147"] = new("Conv", [1, 32, 147, 147], [64, 32, 3, 3], [Attr.Ints("pads", 1, 1, 1, 1)]),
        ["mobilenetv2 1x1 16-96 112"] = new("Conv", [1, 16, 112, 112], [96, 16, 1, 1], []),
        ["mobilenetv2 1x1 24-144 56"] = new("Conv", [1, 24, 56, 56], [144, 24, 1, 1], []),
        ["mobilenetv2 1x1 144-24 56"] = new("Conv", [1, 144, 56, 56], [24, 144, 1, 1], []),
        ["mobilenetv2 1x1 384-64 14"] = new("Conv", [1, 384, 14, 14], [64, 384, 1, 1], []),
        ["mobilenetv2 1x1 960-160 7"] = new("Conv", [1, 960, 7, 7], [160, 960, 1, 1], []),
        ["mobilenetv2 1x1 320-1280 7"] = new("Conv", [1, 320, 7, 7], [1280, 320, 1, 1], []),
        ["mobilenetv2 dw3x3 144 56"] = new("Conv", [1, 144, 56, 56], [144, 1, 3, 3], [Attr.Int("group", 144), .. Pad1]),
        ["mobilenetv2 dw3x3s2 144 56"] = new("Conv", [1, 144, 56, 56], [144, 1, 3, 3], [Attr.Int("group", 144), Attr.Ints("strides", 2, 2), .. Pad1]),
        ["mobilenetv2 dw3x3 32 112"] = new("Conv", [1, 32, 112, 112], [32, 1, 3, 3], [Attr.Int("group", 32), .. Pad1]),
        ["mobilenetv2 dw3x3s2 96 112"] = new("Conv", [1, 96, 112, 112], [96, 1, 3, 3], [Attr.Int("group", 96), Attr.Ints("strides", 2, 2), .. Pad1]),
        ["mobilenetv2 dw3x3 960 7"] = new("Conv", [1, 960, 7, 7], [960, 1, 3, 3], [Attr.Int("group", 960), .. Pad1]),
        ["mobilenetv2 dw3x3 192 28"] = new("Conv", [1, 192, 28, 28], [192, 1, 3, 3], [Attr.Int("group", 192), .. Pad1]),
        ["mobilenetv2 dw3x3 384 14"] = new("Conv", [1, 384, 14, 14], [384, 1, 3, 3], [Attr.Int("group", 384), .. Pad1]),
        ["mobilenetv2 dw3x3s2 576 14"] = new("Conv", [1, 576, 14, 14], [576, 1, 3, 3], [Attr.Int("group", 576), Attr.Ints("strides", 2, 2), .. Pad1]),
        ["densenet121 3x3 128-32 56"] = new("Conv", [1, 128, 56, 56], [32, 128, 3, 3], Pad1),
        ["densenet121 3x3 128-32 28"] = new("Conv", [1, 128, 28, 28], [32, 128, 3, 3], Pad1),
        ["densenet121 3x3 128-32 14"] = new("Conv", [1, 128, 14, 14], [32, 128, 3, 3], Pad1),
        ["densenet121 3x3 128-32 7"] = new("Conv", [1, 128, 7, 7], [32, 128, 3, 3], Pad1),
        ["densenet121 1x1 512-128 28"] = new("Conv", [1, 512, 28, 28], [128, 512, 1, 1], []),
        ["densenet121 1x1 896-128 14"] = new("Conv", [1, 896, 14, 14], [128, 896, 1, 1], []),
        ["densenet121 1x1 864-128 7"] = new("Conv", [1, 864, 7, 7], [128, 864, 1, 1], []),
        ["densenet121 bn 1x1 256-128 56"] = new("Conv", [1, 256, 56, 56], [128, 256, 1, 1], [], Normalized: true),
        ["densenet121 bn 1x1 480-128 28"] = new("Conv", [1, 480, 28, 28], [128, 480, 1, 1], [], Normalized: true),
        ["densenet121 bn 1x1 640-128 14"] = new("Conv", [1, 640, 14, 14], [128, 640, 1, 1], [], Normalized: true),
        ["densenet121 bn 1x1 992-128 14"] = new("Conv", [1, 992, 14, 14], [128, 992, 1, 1], [], Normalized: true),
        ["densenet121 bn 1x1 864-128 7"] = new("Conv", [1, 864, 7, 7], [128, 864, 1, 1], [], Normalized: true),
        ["squeezenet1_1 1x1 512-1000 13"] = new("Conv", [1, 512, 13, 13], [1000, 512, 1, 1], []),
        ["resnet18.layer4 3x3 512-512 7"] = new("Conv", [1, 512, 7, 7], [512, 512, 3, 3], Pad1),
        ["unet head 1x1 16-2 64"] = new("Conv", [1, 16, 64, 64], [2, 16, 1, 1], []),
        ["unet 3x3 16-16 64"] = new("Conv", [1, 16, 64, 64], [16, 16, 3, 3], Pad1),
        ["unet 3x3 32-16 64"] = new("Conv", [1, 32, 64, 64], [16, 32, 3, 3], Pad1),
        ["unet 3x3 32-32 32"] = new("Conv", [1, 32, 32, 32], [32, 32, 3, 3], Pad1),
        ["unet 3x3 64-32 32"] = new("Conv", [1, 64, 32, 32], [32, 64, 3, 3], Pad1),
        ["unet 3x3 128-64 16"] = new("Conv", [1, 128, 16, 16], [64, 128, 3, 3], Pad1),
        ["squeezenet1_1 3x3 64-256 13"] = new("Conv", [1, 64, 13, 13], [256, 64, 3, 3], Pad1),
        ["squeezenet1_1.conv1 3x3s2 3-64 224"] = new("Conv", [1, 3, 224, 224], [64, 3, 3, 3], [Attr.Ints("strides", 2, 2)]),
        ["squeezenet1_1 3x3 32-128 27"] = new("Conv", [1, 32, 27, 27], [128, 32, 3, 3], Pad1),
        ["squeezenet1_1 3x3 48-192 13"] = new("Conv", [1, 48, 13, 13], [192, 48, 3, 3], Pad1),
        ["squeezenet1_1 1x1 512-64 13"] = new("Conv", [1, 512, 13, 13], [64, 512, 1, 1], []),
        ["squeezenet1_1 1x1 128-32 27"] = new("Conv", [1, 128, 27, 27], [32, 128, 1, 1], []),
        ["dcgan convT 100-512 1-4"] = new("ConvTranspose", [1, 100, 1, 1], [100, 512, 4, 4], []),
        ["dcgan convT 512-256 4-8"] = new("ConvTranspose", [1, 512, 4, 4], [512, 256, 4, 4], [Attr.Ints("strides", 2, 2), .. Pad1]),
        ["dcgan convT 256-128 8-16"] = new("ConvTranspose", [1, 256, 8, 8], [256, 128, 4, 4], [Attr.Ints("strides", 2, 2), .. Pad1]),
        ["dcgan convT 128-64 16-32"] = new("ConvTranspose", [1, 128, 16, 16], [128, 64, 4, 4], [Attr.Ints("strides", 2, 2), .. Pad1]),
        ["dcgan convT 64-3 32-64"] = new("ConvTranspose", [1, 64, 32, 32], [64, 3, 4, 4], [Attr.Ints("strides", 2, 2), .. Pad1]),
    };

    private IKernel _kernel = null!;
    private Tensor?[] _inputs = [];
    private Tensor?[] _outputs = [];

    [ParamsSource(nameof(Names))]
    public string Name { get; set; } = "";

    public static IEnumerable<string> Names => Layers.Keys;

    [ParamsSource(nameof(ThreadCounts))]
    public int Threads { get; set; }

    public static IEnumerable<int> ThreadCounts => Environment.ProcessorCount > 1 ? [1, Environment.ProcessorCount] : [1];

    /// <summary>Builds the op and its kernel, and runs it once (weights are packed on the first run).</summary>
    [GlobalSetup]
    public void Setup()
    {
        var (op, inputs, output) = Build(Layers[Name], out _);
        _kernel = CreateKernel(new CpuBackend(Threads), op, inputs);
        _inputs = inputs;
        _outputs = [output];
        _kernel.Run(_inputs, _outputs);
    }

    [Benchmark]
    public void Run() => _kernel.Run(_inputs, _outputs);

    /// <summary>The kernel of <paramref name="op"/>, told that W and B are constants as a session's plan tells it.</summary>
    public static IKernel CreateKernel(CpuBackend backend, Op op, Tensor?[] inputs)
    {
        var kernel = backend.CreateKernel(op)!;
        (kernel as IConstantInputsAware)?.PrepareConstants([null, .. inputs.Skip(1)]);
        return kernel;
    }

    /// <summary>The op with bias and fused ReLU, random inputs, the output tensor, and the layer's flops.</summary>
    public static (Op Op, Tensor?[] Inputs, Tensor Output) Build(Layer layer, out long flops)
    {
        var node = new Node
        {
            Name = "bench",
            OpType = layer.Op,
            Inputs = layer.Normalized ? ["x", "w", "b", "", "scale", "beta", "mean", "var"] : ["x", "w", "b"],
            Outputs = ["y"],
            Attributes = new AttributeSet(layer.Attributes, layer.Op),
        };
        var op = OpRegistry.Create(node, 13);
        if (op is Conv c)
        {
            c.Activation = new FusedActivation(ActivationKind.Relu);
            if (layer.Normalized)
            {
                var bn = (BatchNormalization)OpRegistry.Create(new Node
                {
                    Name = "bench_bn",
                    OpType = "BatchNormalization",
                    Inputs = ["x", "scale", "beta", "mean", "var"],
                    Outputs = ["n"],
                    Attributes = new AttributeSet([], "BatchNormalization"),
                }, 13);
                bn.Activation = new FusedActivation(ActivationKind.Relu);
                c.InputNormalization = bn;
            }
        }
        else ((ConvTranspose)op).Activation = new FusedActivation(ActivationKind.Relu);
        var rng = new Random(42);
        Tensor Random(int[] shape)
        {
            var d = new float[ShapeUtil.Size(shape)];
            for (int i = 0; i < d.Length; i++) d[i] = (float)rng.NextDouble() - 0.5f;
            return Tensor.FromFloats(shape, d);
        }
        int m = layer.Op == "Conv" ? layer.W[0] : layer.W[1] * (int)(layer.Attributes.FirstOrDefault(a => a.Name == "group")?.Int ?? 1);
        Tensor?[] inputs = [Random(layer.X), Random(layer.W), Random([m])];
        if (layer.Normalized)
        {
            int channels = layer.X[1];
            var variance = Random([channels]);
            for (int i = 0; i < channels; i++) variance.Floats[i] = 0.5f + Math.Abs(variance.Floats[i]);
            inputs = [.. inputs, null, Random([channels]), Random([channels]), Random([channels]), variance];
        }
        var infos = inputs.Select(t => t is null ? null : (TensorInfo?)TensorInfo.Of(t)).ToArray();
        var outInfo = op.InferOutputs(infos);
        flops = op.Flops(infos, outInfo);
        return (op, inputs, Tensor.Zeros(DataType.Float32, outInfo[0].Shape));
    }

    private sealed class ConvConfig : ManualConfig
    {
        public ConvConfig() => AddColumn(new ConvGflopsColumn());
    }

    /// <summary>The layer's 2·MACs / mean time.</summary>
    private sealed class ConvGflopsColumn : IColumn
    {
        public string Id => "ConvGFLOPS";
        public string ColumnName => "GFLOP/s";
        public bool AlwaysShow => true;
        public ColumnCategory Category => ColumnCategory.Custom;
        public int PriorityInCategory => 0;
        public bool IsNumeric => true;
        public UnitType UnitType => UnitType.Dimensionless;
        public string Legend => "the layer's 2·multiply-adds per second / 1e9, from the mean";
        public bool IsAvailable(Summary summary) => true;
        public bool IsDefault(Summary summary, BenchmarkCase benchmarkCase) => false;
        public string GetValue(Summary summary, BenchmarkCase benchmarkCase) => GetValue(summary, benchmarkCase, SummaryStyle.Default);

        public string GetValue(Summary summary, BenchmarkCase benchmarkCase, SummaryStyle style)
        {
            if (summary[benchmarkCase]?.ResultStatistics is not { } stats) return "-";
            var name = (string)benchmarkCase.Parameters["Name"];
            Build(Layers[name], out long flops);
            return (flops / stats.Mean).ToString("F1"); // flops per ns = GFLOP/s
        }
    }
}
