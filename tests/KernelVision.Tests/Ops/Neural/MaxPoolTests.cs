using KernelVision.Execution;
using KernelVision.Graph;
using KernelVision.Ops;
using KernelVision.Ops.Neural;
using KernelVision.Tensors;
using Xunit;
using static KernelVision.Tests.Ops.Neural.NeuralTestUtil;

namespace KernelVision.Tests.Ops.Neural;

public class MaxPoolTests
{
    private static readonly Tensor X4 = Tensor.FromFloats([1, 1, 4, 4], Seq(16, 1));

    [Fact]
    public void DefaultStrideOne()
    {
        var y = OpEvaluator.Run("MaxPool", [X4], [Attr.Ints("kernel_shape", 2, 2)])[0];
        TensorAssert.Close([1, 1, 3, 3], [6, 7, 8, 10, 11, 12, 14, 15, 16], y);
    }

    [Fact]
    public void CeilModeKeepsPartialWindows()
    {
        var floor = OpEvaluator.Run("MaxPool", [X4], [Attr.Ints("kernel_shape", 3, 3), Attr.Ints("strides", 2, 2)])[0];
        TensorAssert.Close([1, 1, 1, 1], [11], floor);
        var ceil = OpEvaluator.Run("MaxPool", [X4], [Attr.Ints("kernel_shape", 3, 3), Attr.Ints("strides", 2, 2), Attr.Int("ceil_mode", 1)])[0];
        TensorAssert.Close([1, 1, 2, 2], [11, 12, 15, 16], ceil);
    }

    [Fact]
    public void CeilModeDropsWindowStartingPastTheInput()
    {
        // 2x2, kernel 1, stride 2: ceil((2−1)/2)+1 = 2, but the second window would start at 2 ≥ 2.
        var x = Tensor.FromFloats([1, 1, 2, 2], [1, 2, 3, 4]);
        var y = OpEvaluator.Run("MaxPool", [x], [Attr.Ints("kernel_shape", 1, 1), Attr.Ints("strides", 2, 2), Attr.Int("ceil_mode", 1)])[0];
        TensorAssert.Close([1, 1, 1, 1], [1], y);
    }

    [Fact]
    public void DilatedWindow()
    {
        var y = OpEvaluator.Run("MaxPool", [X4], [Attr.Ints("kernel_shape", 2, 2), Attr.Ints("dilations", 2, 2)])[0];
        TensorAssert.Close([1, 1, 2, 2], [11, 12, 15, 16], y);
    }

    [Fact]
    public void PaddingNeverWinsEvenAgainstNegatives()
    {
        var x = Tensor.FromFloats([1, 1, 3], [-5, -2, -7]);
        var y = OpEvaluator.Run("MaxPool", [x], [Attr.Ints("kernel_shape", 2), Attr.Ints("pads", 1, 1)])[0];
        TensorAssert.Close([1, 1, 4], [-5, -2, -2, -7], y);
    }

    [Fact]
    public void SameUpperAndLowerOneDimensional()
    {
        var x = Tensor.FromFloats([1, 1, 4], [1, 5, 2, 4]);
        var upper = OpEvaluator.Run("MaxPool", [x], [Attr.Ints("kernel_shape", 2), Attr.String("auto_pad", "SAME_UPPER")])[0];
        TensorAssert.Close([1, 1, 4], [5, 5, 4, 4], upper);
        var lower = OpEvaluator.Run("MaxPool", [x], [Attr.Ints("kernel_shape", 2), Attr.String("auto_pad", "SAME_LOWER")])[0];
        TensorAssert.Close([1, 1, 4], [1, 5, 5, 4], lower);
    }

    [Fact]
    public void ThreeDimensional()
    {
        var x = Tensor.FromFloats([1, 1, 2, 2, 3], [1, 9, 2, 3, 4, 5, 6, 7, 8, 0, 10, 11]);
        var y = OpEvaluator.Run("MaxPool", [x], [Attr.Ints("kernel_shape", 2, 2, 2)])[0];
        TensorAssert.Close([1, 1, 1, 1, 2], [10, 11], y);
    }

    [Fact]
    public void IndicesRowMajorIncludeBatchAndChannelOffsets()
    {
        // Two planes of 5x5 (values 1..25 and 26..50), kernel 5, pads 2: each output is the max
        // of the clipped window; indices count from the start of the tensor.
        var x = Tensor.FromFloats([1, 2, 5, 5], Seq(50, 1));
        var r = OpEvaluator.Run("MaxPool", [x], [Attr.Ints("kernel_shape", 5, 5), Attr.Ints("pads", 2, 2, 2, 2)], outputs: 2);
        float[] plane = [13, 14, 15, 15, 15, 18, 19, 20, 20, 20, 23, 24, 25, 25, 25, 23, 24, 25, 25, 25, 23, 24, 25, 25, 25];
        TensorAssert.Close([1, 2, 5, 5], [.. plane, .. plane.Select(v => v + 25)], r[0]);
        Assert.Equal(DataType.Int64, r[1]!.Type);
        var expected = plane.Select(v => (long)v - 1).ToArray();
        Assert.Equal([.. expected, .. expected.Select(v => v + 25)], r[1]!.Int64s.ToArray());
    }

    [Fact]
    public void IndicesColumnMajorWithStorageOrder()
    {
        var x = Tensor.FromFloats([1, 1, 5, 5], Seq(25, 1));
        var r = OpEvaluator.Run("MaxPool", [x],
            [Attr.Ints("kernel_shape", 2, 2), Attr.Ints("strides", 2, 2), Attr.Int("storage_order", 1)], outputs: 2);
        TensorAssert.Close([1, 1, 2, 2], [7, 9, 17, 19], r[0]);
        // 7 is at (h 1, w 1) → 1 + 1·5 = 6; 9 at (1, 3) → 16; 17 at (3, 1) → 8; 19 at (3, 3) → 18.
        Assert.Equal([6L, 16, 8, 18], r[1]!.Int64s.ToArray());
    }

    [Fact]
    public void FirstMaximumWinsTies()
    {
        var x = Tensor.FromFloats([1, 1, 4], [3, 3, 1, 3]);
        var r = OpEvaluator.Run("MaxPool", [x], [Attr.Ints("kernel_shape", 2), Attr.Ints("strides", 2)], outputs: 2);
        Assert.Equal([0L, 3], r[1]!.Int64s.ToArray());
    }

    [Fact]
    public void Uint8Input()
    {
        var x = new Tensor(DataType.UInt8, [1, 1, 4], new long[] { 10, 200, 255, 0 });
        var y = OpEvaluator.Run("MaxPool", [x], [Attr.Ints("kernel_shape", 2), Attr.Ints("strides", 2)])[0]!;
        Assert.Equal(DataType.UInt8, y.Type);
        Assert.Equal([200L, 255], y.Int64s.ToArray());
    }

    [Fact]
    public void ResolveAndFlops()
    {
        var op = (MaxPool)Build("MaxPool", 1, [Attr.Ints("kernel_shape", 3, 3), Attr.Ints("strides", 2, 2), Attr.Ints("pads", 1, 1, 1, 1)]);
        var g = op.Resolve([1, 64, 112, 112]);
        Assert.Equal([56, 56], g.OutputSpatial);
        Assert.Equal([1, 1], g.PadsBegin);
        var x = new TensorInfo(DataType.Float32, [1, 64, 112, 112]);
        var outs = op.InferOutputs([x]);
        Assert.Equal(64L * 56 * 56 * 9, op.Flops([x], outs));
    }

    [Fact]
    public void RejectsBadAttributesAndShapes()
    {
        Assert.Throws<GraphException>(() => OpEvaluator.Run("MaxPool", [X4]));
        Assert.Throws<GraphException>(() => OpEvaluator.Run("MaxPool", [X4], [Attr.Ints("kernel_shape", 2)]));
        Assert.Throws<GraphException>(() => OpEvaluator.Run("MaxPool", [X4], [Attr.Ints("kernel_shape", 5, 5)]));
        Assert.Throws<GraphException>(() => OpEvaluator.Run("MaxPool", [X4], [Attr.Ints("kernel_shape", 2, 2), Attr.Ints("strides", 1)]));
        Assert.Throws<GraphException>(() => OpEvaluator.Run("MaxPool", [X4], [Attr.Ints("kernel_shape", 2, 2), Attr.Int("storage_order", 2)]));
        Assert.Throws<GraphException>(() => OpEvaluator.Run("MaxPool", [X4], [Attr.Ints("kernel_shape", 2, 2), Attr.Int("ceil_mode", 3)]));
        Assert.Throws<GraphException>(() => OpEvaluator.Run("MaxPool", [Tensor.FromFloats([2, 2], Fill(4, 1))], [Attr.Ints("kernel_shape", 1)]));
        Assert.Throws<UnsupportedException>(() => OpEvaluator.Run("MaxPool", [Tensor.FromInt64s([1, 1, 2], [1, 2])], [Attr.Ints("kernel_shape", 1)]));
    }
}
