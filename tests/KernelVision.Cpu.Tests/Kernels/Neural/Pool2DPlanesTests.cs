using KernelVision.Cpu.Pool;
using KernelVision.Cpu.Tests.Kernels;
using KernelVision.Execution;
using KernelVision.Graph;
using KernelVision.Ops.Neural;
using KernelVision.Tensors;
using Xunit;
using static KernelVision.Cpu.Tests.CpuVsReference;
using static KernelVision.Cpu.Tests.Kernels.Neural.PoolCheck;

namespace KernelVision.Cpu.Tests.Kernels.Neural;

/// <summary>
/// The 2-D whole-plane path (each plane padded in scratch, every column through 16- or 8-wide steps;
/// stride 1 as one flat array): widths around the step sizes, border and ceil_mode windows, NaN and
/// −inf at the edges, and bit equality with the per-row table path (signed zeros included) at both
/// step widths.
/// </summary>
public class Pool2DPlanesTests
{
    /// <summary>
    /// Below, at and around the 8 and 16 steps, the real layers' 27, 55 and 113, and 61 and 63, whose
    /// stride-2 rows of 30 and 31 outputs take the whole-row permute steps in more than one step.
    /// </summary>
    private static readonly int[] Widths = [1, 2, 3, 7, 8, 9, 13, 15, 16, 17, 27, 31, 33, 55, 61, 63, 113];

    /// <summary>kernel, stride, pad (all sides), ceil_mode, dilation (both axes alike).</summary>
    public static TheoryData<int, int, int, int, int> Windows() => new()
    {
        { 3, 2, 1, 0, 1 },
        { 3, 2, 0, 1, 1 },
        { 3, 2, 1, 1, 1 },
        { 3, 1, 1, 0, 1 },
        { 3, 1, 0, 1, 1 },
        { 2, 2, 0, 1, 1 },
        { 2, 1, 1, 1, 1 },
        { 3, 2, 2, 1, 2 },
        { 3, 2, 2, 0, 1 },
        { 3, 1, 2, 0, 2 },
        { 5, 1, 2, 0, 1 },
        { 1, 2, 0, 1, 1 },
    };

    [Theory]
    [MemberData(nameof(Windows))]
    public void EveryWidthMatchesReference(int kernel, int stride, int pad, int ceil, int dilation)
    {
        var rng = new Random(kernel * 100 + stride * 10 + pad + ceil * 1000 + dilation * 10000);
        long[] k = [kernel, kernel], pads = [pad, pad, pad, pad], d = [dilation, dilation];
        foreach (int w in Widths)
        {
            int[] shape = [1, 2, 7, w];
            if (!Fits(shape, k, pads, d)) continue;
            var x = Random(rng, shape);
            var attrs = Attrs(k, [stride, stride], pads, d, ceil);
            Check("MaxPool", [x], attrs, exact: true);
            Check("AveragePool", [x], attrs);
            Check("AveragePool", [x], [.. attrs, Attr.Int("count_include_pad", 1)]);
        }
    }

    [Theory]
    [InlineData(7)]
    [InlineData(17)]
    [InlineData(27)]
    [InlineData(33)]
    public void NaNAndNegativeInfinityAtTheBordersFollowTheReferenceRule(int w)
    {
        // The padding columns hold −inf, so a border window of only NaN must still give NaN, and one
        // of −inf and NaN must give −inf; whole rows of NaN and of −inf test the top and bottom.
        var x = Random(new Random(w), [1, 2, 6, w]);
        var s = x.Floats;
        for (int plane = 0; plane < 2; plane++)
            for (int row = 0; row < 6; row++)
            {
                int at = (plane * 6 + row) * w;
                if (row == (plane == 0 ? 0 : 5))
                {
                    s.Slice(at, w).Fill(plane == 0 ? float.NaN : float.NegativeInfinity);
                    continue;
                }
                s[at] = row % 2 == 0 ? float.NaN : float.NegativeInfinity;
                s[at + w - 1] = row % 3 == 0 ? float.NegativeInfinity : float.NaN;
                if (w > 2) s[at + w - 2] = float.NaN;
            }
        foreach (var (k, stride, pad, ceil) in new[] { (3, 1, 1, 0), (3, 2, 1, 1), (2, 2, 0, 1), (3, 2, 0, 1), (2, 1, 1, 0) })
            Check("MaxPool", [x], Attrs([k, k], [stride, stride], [pad, pad, pad, pad], [1, 1], ceil), exact: true);
    }

    [Theory]
    [InlineData(3, 2, 1, 0, 112)]
    [InlineData(3, 2, 0, 1, 111)]
    [InlineData(3, 1, 1, 0, 17)]
    [InlineData(2, 2, 1, 1, 13)]
    [InlineData(3, 1, 2, 1, 6)]
    [InlineData(3, 2, 0, 1, 27)]
    [InlineData(3, 2, 0, 1, 55)]
    [InlineData(3, 2, 1, 1, 62)]
    [InlineData(3, 1, 1, 0, 13)]
    [InlineData(5, 2, 2, 0, 30)]
    public void PlanesMatchTheTablePathBitForBit(int kernel, int stride, int pad, int ceil, int w)
    {
        // Values drawn from a few that tie and compare oddly: which of +0 and −0 a max keeps, and
        // NaN and infinities, must come out as the table path gives them. Their sums are exact in
        // any order, so the averages must match bit for bit too.
        float[] values = [0f, -0f, 1f, -1f, float.NaN, float.NegativeInfinity, float.PositiveInfinity, 0.5f];
        var rng = new Random(kernel + stride + w);
        var x = Tensor.Zeros(DataType.Float32, [1, 3, 9, w]);
        var xs = x.Floats;
        for (int i = 0; i < xs.Length; i++) xs[i] = values[rng.Next(i % 5 == 0 ? values.Length : 2)];
        var attrs = Attrs([kernel, kernel], [stride, stride], [pad, pad, pad, pad], [1, 1], ceil);
        foreach (var (opType, includePad) in new[] { ("MaxPool", false), ("AveragePool", false), ("AveragePool", true) })
        {
            var op = (PoolOp)KernelTestUtil.MakeOp(opType, 1, includePad ? [.. attrs, Attr.Int("count_include_pad", 1)] : attrs);
            var plan = new PoolPlan(op, x.Shape);
            var kind = opType == "MaxPool" ? PoolKind.Max : PoolKind.Average;
            int outLength = plan.Planes * plan.Geometry.OutputSize, rows = plan.Planes * plan.Geometry.OutputSpatial[0];
            var table = new float[outLength];
            Pooling.TableRows2D(plan, kind, includePad, xs, table, 0, rows);
            foreach (int width in new[] { 16, 8 })
            {
                // Two chunks, so the second starts with a scratch plane another plane has used.
                var planes = new float[outLength];
                Pooling.Planes2D(plan, kind, includePad, xs, planes, 0, 1, width);
                Pooling.Planes2D(plan, kind, includePad, xs, planes, 1, plan.Planes, width);
                for (int i = 0; i < outLength; i++)
                    Assert.True(BitConverter.SingleToInt32Bits(table[i]) == BitConverter.SingleToInt32Bits(planes[i]),
                        $"{opType} output {i}, {width}-wide steps: table path {table[i]:R}, planes {planes[i]:R}");
            }
        }
        // MaxPool also bit for bit against the Reference: the first largest tap in row-major order wins.
        var want = OpEvaluator.Run("MaxPool", [x], attrs)[0]!.Floats;
        var got = OpEvaluator.Run("MaxPool", [x], attrs, backend: Threaded)[0]!.Floats;
        for (int i = 0; i < want.Length; i++)
            Assert.True(BitConverter.SingleToInt32Bits(want[i]) == BitConverter.SingleToInt32Bits(got[i]),
                $"MaxPool output {i}: reference {want[i]:R}, cpu {got[i]:R}");
    }

    /// <summary>
    /// 3- and 2-wide stride-2 max pools read straight from the input (<see cref="Pooling.DirectMax"/>, on
    /// AVX-512) with windows of other heights, row strides, row dilations and pads than the square
    /// ones above, and ties, NaN and infinities: bit for bit the padded-copy path and the Reference.
    /// </summary>
    [Theory]
    [InlineData(3, 2, 0, 0, 1, 3, 27)]
    [InlineData(5, 3, 2, 1, 1, 3, 40)]
    [InlineData(1, 1, 0, 1, 1, 3, 33)]
    [InlineData(2, 2, 1, 0, 2, 3, 65)]
    [InlineData(4, 1, 2, 2, 1, 3, 16)]
    [InlineData(3, 2, 1, 1, 1, 3, 97)]
    [InlineData(2, 2, 0, 0, 1, 2, 64)]
    [InlineData(2, 2, 0, 1, 1, 2, 33)]
    [InlineData(3, 1, 1, 0, 1, 2, 17)]
    [InlineData(2, 2, 0, 0, 1, 2, 7)]
    public void DirectMaxMatchesTheCopyAndTheReference(int kh, int sh, int padTop, int padLeft, int dh, int kw, int w)
    {
        float[] values = [0f, -0f, 1f, -1f, float.NaN, float.NegativeInfinity, float.PositiveInfinity, 0.5f, 2f];
        var rng = new Random(kh * 31 + sh * 7 + padLeft + kw * 5 + w);
        var x = Tensor.Zeros(DataType.Float32, [1, 3, 11, w]);
        var xs = x.Floats;
        for (int i = 0; i < xs.Length; i++) xs[i] = i % 3 == 0 ? values[rng.Next(values.Length)] : values[rng.Next(3)];
        Graph.Attribute[] attrs =
        [
            Attr.Ints("kernel_shape", kh, kw), Attr.Ints("strides", sh, 2), Attr.Ints("pads", padTop, padLeft, padTop, padLeft),
            Attr.Ints("dilations", dh, 1), Attr.Int("ceil_mode", 1),
        ];
        var op = (PoolOp)KernelTestUtil.MakeOp("MaxPool", 1, attrs);
        var plan = new PoolPlan(op, x.Shape);
        int outLength = plan.Planes * plan.Geometry.OutputSize;
        var copied = new float[outLength];
        var direct = new float[outLength];
        try
        {
            Pooling.DirectMax = false;
            Pooling.Planes2D(plan, PoolKind.Max, false, xs, copied, 0, plan.Planes);
            Pooling.DirectMax = true;
            Pooling.Planes2D(plan, PoolKind.Max, false, xs, direct, 0, 1);
            Pooling.Planes2D(plan, PoolKind.Max, false, xs, direct, 1, plan.Planes);
        }
        finally
        {
            Pooling.DirectMax = true;
        }
        var want = OpEvaluator.Run("MaxPool", [x], attrs)[0]!.Floats;
        for (int i = 0; i < outLength; i++)
        {
            Assert.True(BitConverter.SingleToInt32Bits(copied[i]) == BitConverter.SingleToInt32Bits(direct[i]),
                $"output {i}: padded copy {copied[i]:R}, read in place {direct[i]:R}");
            Assert.True(BitConverter.SingleToInt32Bits(want[i]) == BitConverter.SingleToInt32Bits(direct[i]),
                $"output {i}: reference {want[i]:R}, read in place {direct[i]:R}");
        }
    }

    /// <summary>
    /// Random values at every width and window of <see cref="Windows"/> through the 8-wide (AVX2)
    /// steps, which an AVX-512 machine otherwise takes only for narrow strided rows: max bit for bit
    /// and averages within rounding of the table path.
    /// </summary>
    [Theory]
    [MemberData(nameof(Windows))]
    public void NarrowStepsMatchTheTablePath(int kernel, int stride, int pad, int ceil, int dilation)
    {
        var rng = new Random(kernel * 7 + stride * 3 + pad + ceil * 11 + dilation * 13);
        long[] k = [kernel, kernel], pads = [pad, pad, pad, pad], d = [dilation, dilation];
        foreach (int w in Widths)
        {
            int[] shape = [1, 3, 7, w];
            if (!Fits(shape, k, pads, d)) continue;
            var xs = Random(rng, shape).Floats;
            var attrs = Attrs(k, [stride, stride], pads, d, ceil);
            foreach (var (opType, includePad) in new[] { ("MaxPool", false), ("AveragePool", false), ("AveragePool", true) })
            {
                var op = (PoolOp)KernelTestUtil.MakeOp(opType, 1, includePad ? [.. attrs, Attr.Int("count_include_pad", 1)] : attrs);
                var plan = new PoolPlan(op, shape);
                var kind = opType == "MaxPool" ? PoolKind.Max : PoolKind.Average;
                int outLength = plan.Planes * plan.Geometry.OutputSize;
                var table = new float[outLength];
                var planes = new float[outLength];
                Pooling.TableRows2D(plan, kind, includePad, xs, table, 0, plan.Planes * plan.Geometry.OutputSpatial[0]);
                Pooling.Planes2D(plan, kind, includePad, xs, planes, 0, plan.Planes, 8);
                for (int i = 0; i < outLength; i++)
                    if (kind == PoolKind.Max) Assert.Equal(BitConverter.SingleToInt32Bits(table[i]), BitConverter.SingleToInt32Bits(planes[i]));
                    else Assert.True(Math.Abs(table[i] - planes[i]) <= 1e-6f * (1 + Math.Abs(table[i])), $"{opType} w {w} output {i}: {table[i]:R} vs {planes[i]:R}");
            }
        }
    }
}
