using System.Diagnostics;
using KernelVision.Backends;
using KernelVision.Cpu;
using KernelVision.Graph;
using KernelVision.Ops;
using KernelVision.Tensors;

namespace KernelVision.Benchmarks;

/// <summary>
/// The float32 MaxPool / AveragePool layers of ResNet-18, SqueezeNet 1.1, Inception-v3, VGG-11, U-Net and DenseNet-121, each
/// timed in-process with a 2-D path off and on run by run (A, B, A, B, …), so both see the same
/// machine noise; prints min and median of each: A is the per-row table path, B the whole-plane
/// path (<c>DOTNET_EnableAVX512=0</c> for its AVX2 steps); with <c>--direct</c>, A is the whole-plane
/// path's padded copy and B the max pools read in place.
/// </summary>
public static class PoolingCommand
{
    /// <summary>One pooling layer: op type, input shape, attributes.</summary>
    private sealed record Layer(string Op, int[] X, Graph.Attribute[] Attributes);

    private static Graph.Attribute[] K3(int stride, params Graph.Attribute[] rest) =>
        [Attr.Ints("kernel_shape", 3, 3), Attr.Ints("strides", stride, stride), .. rest];

    private static readonly Dictionary<string, Layer> Layers = new()
    {
        ["resnet18 max 3x3s2p1 64x112"] = new("MaxPool", [1, 64, 112, 112], K3(2, Attr.Ints("pads", 1, 1, 1, 1))),
        ["squeezenet max 3x3s2 ceil 64x111"] = new("MaxPool", [1, 64, 111, 111], K3(2, Attr.Int("ceil_mode", 1))),
        ["squeezenet max 3x3s2 ceil 128x55"] = new("MaxPool", [1, 128, 55, 55], K3(2, Attr.Int("ceil_mode", 1))),
        ["squeezenet max 3x3s2 ceil 256x27"] = new("MaxPool", [1, 256, 27, 27], K3(2, Attr.Int("ceil_mode", 1))),
        ["inception max 3x3s2 64x147"] = new("MaxPool", [1, 64, 147, 147], K3(2)),
        ["inception max 3x3s2 192x71"] = new("MaxPool", [1, 192, 71, 71], K3(2)),
        ["inception max 3x3s2 288x35"] = new("MaxPool", [1, 288, 35, 35], K3(2)),
        ["inception max 3x3s2 768x17"] = new("MaxPool", [1, 768, 17, 17], K3(2)),
        ["vgg11 max 2x2s2 64x224"] = new("MaxPool", [1, 64, 224, 224], [Attr.Ints("kernel_shape", 2, 2), Attr.Ints("strides", 2, 2)]),
        ["vgg11 max 2x2s2 512x28"] = new("MaxPool", [1, 512, 28, 28], [Attr.Ints("kernel_shape", 2, 2), Attr.Ints("strides", 2, 2)]),
        ["unet max 2x2s2 16x64"] = new("MaxPool", [1, 16, 64, 64], [Attr.Ints("kernel_shape", 2, 2), Attr.Ints("strides", 2, 2)]),
        ["unet max 2x2s2 64x16"] = new("MaxPool", [1, 64, 16, 16], [Attr.Ints("kernel_shape", 2, 2), Attr.Ints("strides", 2, 2)]),
        ["inception avg 3x3s1p1 288x35"] = new("AveragePool", [1, 288, 35, 35], K3(1, Attr.Ints("pads", 1, 1, 1, 1))),
        ["inception avg 3x3s1p1 768x17"] = new("AveragePool", [1, 768, 17, 17], K3(1, Attr.Ints("pads", 1, 1, 1, 1))),
        ["inception avg 3x3s1p1 2048x8"] = new("AveragePool", [1, 2048, 8, 8], K3(1, Attr.Ints("pads", 1, 1, 1, 1))),
        ["densenet avg 2x2s2 256x56"] = new("AveragePool", [1, 256, 56, 56], [Attr.Ints("kernel_shape", 2, 2), Attr.Ints("strides", 2, 2)]),
        ["densenet avg 2x2s2 512x28"] = new("AveragePool", [1, 512, 28, 28], [Attr.Ints("kernel_shape", 2, 2), Attr.Ints("strides", 2, 2)]),
        ["densenet avg 2x2s2 1024x14"] = new("AveragePool", [1, 1024, 14, 14], [Attr.Ints("kernel_shape", 2, 2), Attr.Ints("strides", 2, 2)]),
    };

    public static int Run(Options o)
    {
        int threads = o.Int("--threads", Environment.ProcessorCount), runs = o.Int("--runs", 300);
        string? only = o.Value("--only");
        // --producer same|swapped|pixels: before each run the pool's threads rewrite the input and the
        // output, as the layers around it do in a model: the planes each pooling thread takes (same),
        // the other thread's planes (swapped), or each thread half of every plane (pixels, as a Yᵀ conv
        // writes). Shows what reading another core's writes costs.
        string producer = o.Value("--producer") ?? "none";
        // --direct: A = whole planes through the padded copy, B = 2- and 3-wide stride-2 max pools straight from the input.
        bool direct = o.Flag("--direct");
        Action<bool> set = direct
            ? on => { KernelVision.Cpu.Pool.Pooling.WholePlanes = true; KernelVision.Cpu.Pool.Pooling.DirectMax = on; }
        : on => { KernelVision.Cpu.Pool.Pooling.WholePlanes = on; KernelVision.Cpu.Pool.Pooling.DirectMax = true; };
        var backend = new CpuBackend(threads);
        Console.WriteLine(MachineInfo.Describe());
        Console.WriteLine($"{threads} threads, {runs} runs each; " +
            (direct ? "A = whole planes via a padded copy, B = max pools read in place" : "A = table path, B = whole planes") +
            (producer != "none" ? $", input and output rewritten first ({producer})" : "") + " (ms)");
        foreach (var (name, layer) in Layers)
        {
            if (only is not null && !name.Contains(only, StringComparison.OrdinalIgnoreCase)) continue;
            var node = new Node { Name = "bench", OpType = layer.Op, Inputs = ["x"], Outputs = ["y"], Attributes = new AttributeSet(layer.Attributes, layer.Op) };
            var op = OpRegistry.Create(node, 13);
            var rng = new Random(42);
            var data = new float[ShapeUtil.Size(layer.X)];
            for (int i = 0; i < data.Length; i++) data[i] = (float)rng.NextDouble() - 0.5f;
            Tensor?[] inputs = [Tensor.FromFloats(layer.X, data.ToArray())];
            var outInfo = op.InferOutputs([TensorInfo.Of(inputs[0]!)]);
            Tensor?[] outputs = [Tensor.Zeros(DataType.Float32, outInfo[0].Shape)];
            IKernel kernel = backend.CreateKernel(op)!;
            var outputSnapshot = new float[outputs[0]!.Length];
            var ms = new[] { new double[runs], new double[runs] };
            for (int i = -20; i < runs; i++)
                for (int v = 0; v < 2; v++)
                {
                    set(v == 1);
                    if (producer != "none")
                    {
                        Producer.Write(backend.Pool, producer, data, (float[])inputs[0]!.Raw.Storage, layer.X[1]);
                        Producer.Write(backend.Pool, producer, outputSnapshot, (float[])outputs[0]!.Raw.Storage, outInfo[0].Shape[1]);
                    }
                    long t0 = Stopwatch.GetTimestamp();
                    kernel.Run(inputs, outputs);
                    if (i >= 0) ms[v][i] = Stopwatch.GetElapsedTime(t0).TotalMilliseconds;
                }
            set(true);
            var a = ms[0].Order().ToArray();
            var b = ms[1].Order().ToArray();
            Console.WriteLine($"  {name,-34} A min {a[0]:0.000} med {a[runs / 2]:0.000} | B min {b[0]:0.000} med {b[runs / 2]:0.000} | median x{a[runs / 2] / b[runs / 2]:0.00}");
        }
        return 0;
    }
}
