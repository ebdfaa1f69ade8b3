using KernelVision.Backends.Reference;
using KernelVision.Execution;
using KernelVision.Graph;
using KernelVision.Ops;
using KernelVision.Tensors;
using Xunit;

namespace KernelVision.Cpu.Tests.Kernels.Neural;

public class ConvTransposeCpuTests
{
    private static Graph.Attribute Pads(params long[] p) => Attr.Ints("pads", p);
    private static Graph.Attribute Strides(params long[] s) => Attr.Ints("strides", s);
    private static Graph.Attribute Dilations(params long[] d) => Attr.Ints("dilations", d);
    private static Graph.Attribute Group(int g) => Attr.Int("group", g);
    private static Graph.Attribute OutPad(params long[] p) => Attr.Ints("output_padding", p);

    /// <summary>W is [C, M/group, k...]; the bias has M = W[1]·group elements.</summary>
    private static string Check(int[] x, int[] w, bool bias, params Graph.Attribute[] attrs) => Check(x, w, bias, null, attrs);

    private static string Check(int[] x, int[] w, bool bias, bool? transposed, params Graph.Attribute[] attrs)
    {
        int group = (int)(attrs.FirstOrDefault(a => a.Name == "group")?.Int ?? 1);
        return ConvCheck.Check("ConvTranspose", x, w, bias ? w[1] * group : 0, attrs, transposed: transposed)!.Variant;
    }

    [Fact]
    public void DcganLayersMatchReference()
    {
        // nz → 4×4 (1×1 input, stride 1), then the stride-2 4×4 upsampling layers.
        Assert.StartsWith("RowSumCol2Im ", Check([1, 20, 1, 1], [20, 16, 4, 4], false));
        Check([2, 12, 1, 1], [12, 40, 3, 3], true); // 360 columns: a full block of 256 and a short one
        Check([3, 40, 1, 1], [40, 24, 3, 3], true, Group(2), Strides(2, 2), Pads(1, 0, 0, 1));
        Check([1, 16, 4, 4], [16, 8, 4, 4], true, Strides(2, 2), Pads(1, 1, 1, 1));
        Check([2, 8, 8, 8], [8, 3, 4, 4], true, Strides(2, 2), Pads(1, 1, 1, 1));
        Check([1, 24, 5, 7], [24, 5, 4, 4], true, Strides(2, 2), Pads(1, 1, 1, 1));
    }

    [Fact]
    public void BothProductOrientationsMatchReference()
    {
        // The rule: colᵀ = Xᵀ·W below a register tile's width of input cells (8 here; 16 or 32 by ISA), col = Wᵀ·X from 64.
        Assert.StartsWith("GemmCol2ImT ", Check([1, 64, 2, 4], [64, 32, 4, 4], true, Strides(2, 2), Pads(1, 1, 1, 1)));
        Assert.StartsWith("GemmCol2Im ", Check([1, 32, 8, 8], [32, 16, 4, 4], true, Strides(2, 2), Pads(1, 1, 1, 1)));
        foreach (bool transposed in new[] { true, false })
        {
            string name = transposed ? "GemmCol2ImT " : "GemmCol2Im ";
            Assert.StartsWith(name, Check([2, 8, 8, 8], [8, 3, 4, 4], true, transposed, Strides(2, 2), Pads(1, 1, 1, 1)));
            Assert.StartsWith(name, Check([1, 24, 5, 7], [24, 5, 4, 4], false, transposed, Strides(2, 2), Pads(1, 1, 1, 1)));
            Assert.StartsWith(name, Check([1, 4, 5, 5], [4, 3, 3, 3], true, transposed, Group(2), Strides(2, 2), Pads(1, 1, 1, 1)));
            Assert.StartsWith(name, Check([1, 3, 5, 6], [3, 4, 3, 3], true, transposed, Strides(3, 2), OutPad(2, 1)));
            // Mg·taps·W = 1024·36·3 floats per input row: chunks of 9 rows (27 cells), the last one short.
            Assert.StartsWith(name, Check([1, 3, 20, 3], [3, 1024, 6, 6], true, transposed, Pads(1, 2, 0, 1)));
        }
    }

    [Fact]
    public void StridesPadsDilationsAndOutputPadding()
    {
        Check([1, 3, 5, 6], [3, 4, 3, 3], true);
        Check([1, 3, 5, 6], [3, 4, 3, 3], true, Strides(2, 3), Pads(1, 0, 2, 1));
        Check([1, 3, 5, 6], [3, 4, 3, 3], true, Strides(3, 2), OutPad(2, 1));
        Check([1, 3, 5, 6], [3, 4, 3, 3], true, Strides(2, 2), Pads(1, 1, 0, 0), OutPad(1, 1));
        Check([2, 3, 7, 5], [3, 2, 3, 2], true, Dilations(2, 3), Strides(1, 2));
        Check([1, 2, 6, 9], [2, 3, 5, 5], true, Dilations(2, 2), Strides(3, 3), Pads(2, 3, 1, 4), OutPad(2, 0));
        Check([1, 3, 4, 4], [3, 2, 3, 3], true, Attr.String("auto_pad", "SAME_UPPER"), Strides(2, 2));
        Check([1, 3, 4, 4], [3, 2, 3, 3], true, Attr.String("auto_pad", "SAME_LOWER"), Strides(2, 2));
        // output_shape larger than the full result: negative pads, zero (bias-only) borders.
        Check([1, 2, 3, 3], [2, 2, 3, 3], true, Strides(2, 2), Attr.Ints("output_shape", 10, 9));
        Check([1, 2, 3, 3], [2, 2, 3, 3], true, Strides(2, 2), Attr.Ints("output_shape", 6, 5));
        // Wide rows for the vectorised stride-2 interleave, odd left pad.
        Check([1, 3, 3, 37], [3, 2, 4, 4], true, Strides(2, 2), Pads(1, 3, 2, 0));
    }

    [Fact]
    public void GroupsMatchReference()
    {
        Check([1, 4, 5, 5], [4, 3, 3, 3], true, Group(2), Strides(2, 2), Pads(1, 1, 1, 1));
        Check([2, 6, 4, 3], [6, 1, 2, 2], true, Group(3), Strides(2, 2));
        Check([1, 6, 4, 5], [6, 1, 3, 3], false, Group(6), Pads(1, 1, 1, 1));
    }

    [Fact]
    public void LargeInputIsProcessedInRowChunks()
    {
        // Mg·taps·W = 64·9·48 floats per input row: the column buffer holds ~36 rows, so 2 chunks.
        Check([1, 5, 50, 48], [5, 64, 3, 3], true, Strides(1, 1), Pads(1, 1, 1, 1));
        Check([1, 3, 40, 48], [3, 64, 3, 3], true, Strides(2, 2), Pads(0, 1, 2, 0), OutPad(1, 1));
    }

    [Fact]
    public void OneAndThreeDimensional()
    {
        Check([2, 3, 9], [3, 4, 3], true, Strides(2), Attr.Ints("pads", 1, 0), OutPad(1));
        Check([1, 4, 11], [4, 3, 4], true, Group(2), Dilations(2));
        Assert.StartsWith("GemmCol2ImNd", Check([1, 2, 3, 4, 3], [2, 3, 3, 3, 2], true, Strides(2, 1, 2), Pads(1, 0, 0, 0, 1, 1)));
        Check([2, 4, 2, 3, 3], [4, 1, 2, 2, 2], true, Group(2), Strides(2, 2, 2), OutPad(1, 0, 1), Dilations(1, 2, 1));
    }

    [Fact]
    public void EveryFusedActivationIsApplied()
    {
        foreach (var act in ConvCheck.Activations)
        {
            ConvCheck.Check("ConvTranspose", [1, 6, 4, 5], [6, 4, 4, 4], 4, [Strides(2, 2), Pads(1, 1, 1, 1)], act);
            ConvCheck.Check("ConvTranspose", [1, 2, 2, 3, 2], [2, 3, 2, 2, 2], 3, [], act);
        }
    }

    [Fact]
    public void LaterRunsDoNotAllocate()
    {
        var rng = new Random(4);
        foreach (var (xs, ws, attrs) in new (int[], int[], Graph.Attribute[])[]
                 {
                     ([1, 16, 4, 4], [16, 8, 4, 4], [Strides(2, 2), Pads(1, 1, 1, 1)]),
                     ([1, 40, 1, 1], [40, 24, 4, 4], []),
                     ([1, 3, 40, 48], [3, 64, 3, 3], [Pads(1, 1, 1, 1)]),
                     ([1, 2, 3, 4, 3], [2, 3, 3, 3, 2], []),
                 })
            foreach (int threads in new[] { 1, 2 })
                ConvCheck.AssertLaterRunsDoNotAllocate(rng, "ConvTranspose", xs, ws, ws[1], attrs, new FusedActivation(ActivationKind.Tanh), threads);
    }

    [Fact]
    public void Float64FallsBackToReference()
    {
        var x = Tensor.Zeros(DataType.Float64, [1, 2, 3, 3]);
        var w = Tensor.Zeros(DataType.Float64, [2, 2, 3, 3]);
        for (int i = 0; i < x.Length; i++) x.Doubles[i] = i * 0.1;
        for (int i = 0; i < w.Length; i++) w.Doubles[i] = 1 - i * 0.05;
        var want = OpEvaluator.Run("ConvTranspose", [x, w], [Strides(2, 2)])[0]!;
        var got = OpEvaluator.Run("ConvTranspose", [x, w], [Strides(2, 2)], backend: new CpuBackend(1))[0]!;
        Assert.Equal(want.Doubles.ToArray(), got.Doubles.ToArray());
    }
}
