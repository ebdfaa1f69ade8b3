using KernelVision.Execution;
using KernelVision.Graph;
using KernelVision.Ops;
using KernelVision.Ops.Neural;
using KernelVision.Tensors;
using Xunit;
using static KernelVision.Tests.Ops.Neural.NeuralTestUtil;

namespace KernelVision.Tests.Ops.Neural;

public class AveragePoolTests
{
    private static readonly Tensor X2 = Tensor.FromFloats([1, 1, 2, 2], [1, 2, 3, 4]);

    [Fact]
    public void DefaultStrideOne()
    {
        var x = Tensor.FromFloats([1, 1, 3, 3], Seq(9, 1));
        var y = OpEvaluator.Run("AveragePool", [x], [Attr.Ints("kernel_shape", 2, 2)])[0];
        TensorAssert.Close([1, 1, 2, 2], [3, 4, 6, 7], y);
    }

    [Fact]
    public void PaddingExcludedFromDivisorByDefault()
    {
        var y = OpEvaluator.Run("AveragePool", [X2], [Attr.Ints("kernel_shape", 2, 2), Attr.Ints("pads", 1, 1, 1, 1)])[0];
        TensorAssert.Close([1, 1, 3, 3], [1, 1.5f, 2, 2, 2.5f, 3, 3, 3.5f, 4], y);
    }

    [Fact]
    public void CountIncludePadDividesByKernelSize()
    {
        var y = OpEvaluator.Run("AveragePool", [X2],
            [Attr.Ints("kernel_shape", 2, 2), Attr.Ints("pads", 1, 1, 1, 1), Attr.Int("count_include_pad", 1)])[0];
        TensorAssert.Close([1, 1, 3, 3], [0.25f, 0.75f, 0.5f, 1, 2.5f, 1.5f, 0.75f, 1.75f, 1], y);
    }

    [Fact]
    public void CeilModeLastWindowDivisors()
    {
        // [1,2,3,4], kernel 3, stride 2, pads 1, ceil: windows start at −1, 1, 3; the last covers
        // x[3], the end pad and one overhang cell past the padding.
        var x = Tensor.FromFloats([1, 1, 4], [1, 2, 3, 4]);
        Graph.Attribute[] attrs = [Attr.Ints("kernel_shape", 3), Attr.Ints("strides", 2), Attr.Ints("pads", 1, 1), Attr.Int("ceil_mode", 1)];
        var exclude = OpEvaluator.Run("AveragePool", [x], attrs)[0];
        TensorAssert.Close([1, 1, 3], [1.5f, 3, 4], exclude);
        // count_include_pad: padding counts, the overhang does not (divisors 3, 3, 2).
        var include = OpEvaluator.Run("AveragePool", [x], [.. attrs, Attr.Int("count_include_pad", 1)])[0];
        TensorAssert.Close([1, 1, 3], [1, 3, 2], include);
    }

    [Fact]
    public void CeilWindowStartingOnEndPadIsDropped()
    {
        // 2x2, kernel 3, pads 1, stride 3, ceil: ceil((4−3)/3)+1 = 2 but window 2 starts at 3 ≥ 2+1.
        var x = Tensor.FromFloats([1, 1, 2, 2], [1, 2, 3, 4]);
        var y = OpEvaluator.Run("AveragePool", [x],
            [Attr.Ints("kernel_shape", 3, 3), Attr.Ints("pads", 1, 1, 1, 1), Attr.Ints("strides", 3, 3),
             Attr.Int("ceil_mode", 1), Attr.Int("count_include_pad", 1)])[0];
        TensorAssert.Close([1, 1, 1, 1], [10f / 9], y);
    }

    [Fact]
    public void CeilModeTwoDimensional()
    {
        var x = Tensor.FromFloats([1, 1, 4, 4], Seq(16, 1));
        var y = OpEvaluator.Run("AveragePool", [x], [Attr.Ints("kernel_shape", 3, 3), Attr.Ints("strides", 2, 2), Attr.Int("ceil_mode", 1)])[0];
        TensorAssert.Close([1, 1, 2, 2], [6, 7.5f, 12, 13.5f], y);
    }

    [Fact]
    public void DilationsAndSameUpper()
    {
        var x = Tensor.FromFloats([1, 1, 4, 4], Seq(16, 1));
        var dilated = OpEvaluator.Run("AveragePool", [x], [Attr.Ints("kernel_shape", 2, 2), Attr.Ints("dilations", 2, 2)])[0];
        // (1+3+9+11)/4 = 6.
        TensorAssert.Close([1, 1, 2, 2], [6, 7, 10, 11], dilated);
        var x1 = Tensor.FromFloats([1, 1, 3], [2, 4, 9]);
        var same = OpEvaluator.Run("AveragePool", [x1], [Attr.Ints("kernel_shape", 2), Attr.String("auto_pad", "SAME_UPPER")])[0];
        TensorAssert.Close([1, 1, 3], [3, 6.5f, 9], same);
    }

    [Fact]
    public void ThreeDimensionalMultiChannel()
    {
        var x = Tensor.FromFloats([1, 2, 2, 2, 2], Seq(16));
        var y = OpEvaluator.Run("AveragePool", [x], [Attr.Ints("kernel_shape", 2, 2, 2)])[0];
        TensorAssert.Close([1, 2, 1, 1, 1], [3.5f, 11.5f], y);
    }

    [Fact]
    public void RejectsBadAttributesAndTypes()
    {
        Assert.Throws<GraphException>(() => OpEvaluator.Run("AveragePool", [X2], [Attr.Ints("kernel_shape", 2, 2), Attr.Int("count_include_pad", 2)]));
        Assert.Throws<GraphException>(() => OpEvaluator.Run("AveragePool", [X2], [Attr.Ints("kernel_shape", 2, 2), Attr.Ints("pads", 1, 1, 1)]));
        Assert.Throws<GraphException>(() => OpEvaluator.Run("AveragePool", [X2], [Attr.Ints("kernel_shape", 2, 2), Attr.String("auto_pad", "SAME_UPPER"), Attr.Ints("pads", 1, 1, 1, 1)]));
        Assert.Throws<UnsupportedException>(() => OpEvaluator.Run("AveragePool",
            [new Tensor(DataType.UInt8, [1, 1, 2], new long[] { 1, 2 })], [Attr.Ints("kernel_shape", 2)]));
    }

    [Fact]
    public void FlopsCountWindowTaps()
    {
        var op = (AveragePool)Build("AveragePool", 1, [Attr.Ints("kernel_shape", 2, 2), Attr.Ints("strides", 2, 2)]);
        var x = new TensorInfo(DataType.Float32, [2, 3, 8, 8]);
        var outs = op.InferOutputs([x]);
        Assert.Equal(2L * 3 * 16 * 4, op.Flops([x], outs));
    }
}
