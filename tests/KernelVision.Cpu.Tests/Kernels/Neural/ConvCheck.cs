using KernelVision.Backends;
using KernelVision.Backends.Reference;
using KernelVision.Cpu.Kernels.Neural;
using KernelVision.Execution;
using KernelVision.Graph;
using KernelVision.Ops;
using KernelVision.Ops.Neural;
using KernelVision.Tensors;
using Xunit;

namespace KernelVision.Cpu.Tests.Kernels.Neural;

/// <summary>Builds single Conv/ConvTranspose ops and compares the Cpu kernel with the Reference kernel.</summary>
internal static class ConvCheck
{
    public static readonly FusedActivation[] Activations =
    [
        default,
        new(ActivationKind.Relu),
        new(ActivationKind.LeakyRelu, 0.1f),
        new(ActivationKind.Clip, 0f, 6f),
        new(ActivationKind.Sigmoid),
        new(ActivationKind.Tanh),
        new(ActivationKind.HardSigmoid, 0.2f, 0.5f),
    ];

    public static Op Build(string opType, IEnumerable<Graph.Attribute> attrs, bool bias, FusedActivation act, bool residual = false,
        FusedActivation? normalize = null)
    {
        var node = new Node
        {
            Name = opType.ToLowerInvariant() + "_cpu_test",
            OpType = opType,
            Inputs = normalize is not null ? ["x", "w", bias ? "b" : "", residual ? "z" : "", "scale", "beta", "mean", "var"]
                : residual ? ["x", "w", bias ? "b" : "", "z"] : bias ? ["x", "w", "b"] : ["x", "w"],
            Outputs = ["y"],
            Attributes = new AttributeSet(attrs, opType),
        };
        var op = OpRegistry.Create(node, 13);
        if (op is Ops.Neural.Conv c)
        {
            c.Activation = act;
            c.Residual = residual;
            if (normalize is { } nact)
            {
                var bn = (BatchNormalization)OpRegistry.Create(new Node
                {
                    Name = "bn_cpu_test",
                    OpType = "BatchNormalization",
                    Inputs = ["x", "scale", "beta", "mean", "var"],
                    Outputs = ["n"],
                    Attributes = new AttributeSet([Attr.Float("epsilon", 1e-3f)], "BatchNormalization"),
                }, 13);
                bn.Activation = nact;
                c.InputNormalization = bn;
            }
        }
        else ((ConvTranspose)op).Activation = act;
        return op;
    }

    public static Tensor Random(Random rng, params int[] shape)
    {
        var data = new float[ShapeUtil.Size(shape)];
        for (int i = 0; i < data.Length; i++) data[i] = (float)(rng.NextDouble() * 2 - 1);
        return Tensor.FromFloats(shape, data);
    }

    /// <summary>Asserts max|cpu − reference| ≤ 1e-4·max|reference| (plus a tiny absolute floor).</summary>
    public static void AssertClose(Tensor want, Tensor got, string what)
    {
        Assert.Equal(want.Shape, got.Shape);
        var w = want.Floats;
        var g = got.Floats;
        double maxAbs = 0, maxErr = 0;
        int worst = -1;
        for (int i = 0; i < w.Length; i++)
        {
            maxAbs = Math.Max(maxAbs, Math.Abs(w[i]));
            double e = Math.Abs((double)w[i] - g[i]);
            if (double.IsNaN(g[i])) e = double.PositiveInfinity;
            if (e > maxErr) { maxErr = e; worst = i; }
        }
        Assert.True(maxErr <= 1e-4 * maxAbs + 1e-6,
            $"{what}: max|err| {maxErr:G3} at {worst} (want {(worst >= 0 ? w[worst] : 0)}, got {(worst >= 0 ? g[worst] : 0)}), max|out| {maxAbs:G3}");
    }

    /// <summary>
    /// Builds <paramref name="opType"/> with a bias and <paramref name="act"/> on random X and W,
    /// announces W and B as constants as a plan does, runs its Cpu kernel on <paramref name="threads"/>
    /// threads twice (planning, packing, scratch), and asserts that a third run allocates nothing.
    /// With <paramref name="residual"/> (Conv only) the op also adds a fused residual Z of Y's shape.
    /// </summary>
    public static void AssertLaterRunsDoNotAllocate(Random rng, string opType, int[] xs, int[] ws, int biasLength,
        IEnumerable<Graph.Attribute> attrs, FusedActivation act, int threads, bool residual = false)
    {
        var x = Random(rng, xs);
        var w = Random(rng, ws);
        var b = Random(rng, biasLength);
        var attrList = attrs.ToList();
        Tensor?[] inputs = [x, w, b];
        if (residual) inputs = [x, w, b, Random(rng, OpEvaluator.Evaluate(Build(opType, attrList, bias: true, act), ReferenceBackend.Instance, inputs)[0]!.Shape)];
        var op = Build(opType, attrList, bias: true, act, residual);
        var kernel = new CpuBackend(threads).CreateKernel(op)!;
        var y = OpEvaluator.Evaluate(op, ReferenceBackend.Instance, inputs)[0]!;
        Tensor?[] outputs = [y];
        ((IConstantInputsAware)kernel).PrepareConstants(residual ? [null, w, b, null] : [null, w, b]);
        kernel.Run(inputs, outputs);
        kernel.Run(inputs, outputs);
        long allocated = SteadyAllocations.Measure(() => kernel.Run(inputs, outputs));
        Assert.True(allocated == 0, $"X{ShapeUtil.Format(xs)} W{ShapeUtil.Format(ws)} threads={threads}: {allocated} bytes allocated");
    }

    /// <summary>
    /// Runs <paramref name="opType"/> on random X [xShape] and W [wShape] (and a bias of
    /// <paramref name="biasLength"/>) on the Reference backend and on the Cpu backend with 1 and 2
    /// threads, first with W as a run-time value, then announced as a plan's constant; returns the Cpu
    /// kernel of the last run for further checks. With <paramref name="residual"/> (Conv only) a random
    /// Z of Y's shape is the fused residual input; <paramref name="normalize"/> fuses a BatchNormalization
    /// with that activation on X. <paramref name="bands"/> and <paramref name="splitChannels"/> set
    /// <see cref="ConvCpu.InPlaceBandCount"/> and <see cref="ConvCpu.SplitChannels"/>, <paramref name="transposed"/> <see cref="ConvCpu.UseTransposed"/> (or <see cref="ConvTransposeCpu.UseTransposed"/>).
    /// </summary>
    public static IKernelVariant? Check(string opType, int[] xShape, int[] wShape, int biasLength, IEnumerable<Graph.Attribute> attrs,
        FusedActivation act = default, int seed = 1, int[]? threadCounts = null, bool? winograd = null, int winogradTile = 0, bool inPlace = false,
        bool residual = false, FusedActivation? normalize = null, int bands = 0, bool? splitChannels = null, bool? transposed = null)
    {
        var rng = new Random(seed);
        var x = Random(rng, xShape);
        var w = Random(rng, wShape);
        var b = biasLength > 0 ? Random(rng, biasLength) : null;
        var attrList = attrs.ToList();
        Tensor?[] inputs = b is null ? [x, w] : [x, w, b];
        if (residual)
        {
            // Z of the convolution's output shape, from the unfused op's own shape rule.
            var plain = Build(opType, attrList, b is not null, default);
            var yShape = plain.InferOutputs(inputs.Select(t => t is null ? null : TensorInfo.Of(t)).ToList())[0].Shape;
            inputs = [x, w, b, Random(rng, yShape)];
        }
        if (normalize is not null)
        {
            // A fused BatchNormalization's scale, B, mean and var (positive variance), as inputs 4–7.
            int c = xShape[1];
            var variance = Random(rng, c);
            for (int i = 0; i < c; i++) variance.Floats[i] = 0.5f + Math.Abs(variance.Floats[i]);
            inputs = [x, w, b, residual ? inputs[3] : null, Random(rng, c), Random(rng, c), Random(rng, c), variance];
        }
        var op = Build(opType, attrList, b is not null, act, residual, normalize);
        var want = OpEvaluator.Evaluate(op, ReferenceBackend.Instance, inputs)[0]!;
        IKernelVariant? last = null;
        foreach (int threads in threadCounts ?? [1, 2])
        {
            var backend = new CpuBackend(threads);
            var kernel = backend.CreateKernel(op)!;
            Assert.True(kernel is ConvCpu or ConvTransposeCpu, $"cpu kernel for {opType} is {kernel.GetType().Name}");
            if (kernel is ConvCpu conv)
            {
                conv.UseWinograd = winograd;
                conv.WinogradTile = winogradTile;
                conv.UseInPlace = inPlace;
                conv.UseTransposed = transposed;
                conv.InPlaceBandCount = bands;
                conv.SplitChannels = splitChannels;
            }
            if (kernel is ConvTransposeCpu convT) convT.UseTransposed = transposed;
            var y = Tensor.Zeros(DataType.Float32, want.Shape);
            y.Floats.Fill(float.NaN); // every element must be written
            kernel.Run(inputs, [y]);
            string variant = kernel is ConvCpu cc ? cc.Variant : ((ConvTransposeCpu)kernel).Variant;
            AssertClose(want, y, $"{opType} X{ShapeUtil.Format(xShape)} W{ShapeUtil.Format(wShape)} {string.Join(" ", attrList.Select(Describe))} act={act} threads={threads} [{variant}]");
            // W as a plan's constant: the next run prepares it, the one after reuses it and the scratch.
            ((IConstantInputsAware)kernel).PrepareConstants(normalize is not null ? [null, w, b, null, inputs[4], inputs[5], inputs[6], inputs[7]]
                : residual ? [null, w, b, null] : [null, w, b]);
            for (int run = 2; run <= 3; run++)
            {
                y.Floats.Fill(float.NaN);
                kernel.Run(inputs, [y]);
                AssertClose(want, y, $"{opType} run {run}, constant W [{variant}]");
            }
            last = new KernelVariant(kernel, variant);
        }
        return last;
    }

    public static string Describe(Graph.Attribute a) => a.Kind switch
    {
        AttributeKind.Ints => $"{a.Name}=[{string.Join(",", a.Ints!)}]",
        AttributeKind.Int => $"{a.Name}={a.Int}",
        AttributeKind.String => $"{a.Name}={a.String}",
        _ => a.Name,
    };

    public interface IKernelVariant
    {
        Backends.IKernel Kernel { get; }
        string Variant { get; }
    }

    private sealed record KernelVariant(Backends.IKernel Kernel, string Variant) : IKernelVariant;
}
