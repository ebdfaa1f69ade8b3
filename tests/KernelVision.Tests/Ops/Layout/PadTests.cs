using KernelVision.Execution;
using KernelVision.Graph;
using KernelVision.Tensors;
using Xunit;
using static KernelVision.Tests.Ops.Layout.LayoutTestUtil;

namespace KernelVision.Tests.Ops.Layout;

public class PadTests
{
    private static Tensor OneTwoThree => Tensor.FromFloats([3], [1, 2, 3]);

    private static Tensor? Pad1D(string mode, long begin, long end, int opset = 19) =>
        OpEvaluator.Run("Pad", [OneTwoThree, Tensor.Vector(begin, end)], [Attr.String("mode", mode)], opset: opset)[0];

    [Fact]
    public void ConstantWithValueInput()
    {
        // [[1,2],[3,4]] padded one row on top and one column on the right with 9.
        var x = Tensor.FromFloats([2, 2], [1, 2, 3, 4]);
        var y = OpEvaluator.Run("Pad", [x, Tensor.Vector(1, 0, 0, 1), Tensor.Scalar(9)], opset: 11)[0];
        TensorAssert.Close([3, 3], [9, 9, 9, 1, 2, 9, 3, 4, 9], y);
    }

    [Fact]
    public void ConstantDefaultsToZero()
    {
        TensorAssert.Close([5], [0, 1, 2, 3, 0], Pad1D("constant", 1, 1));
    }

    [Fact]
    public void Reflect() => TensorAssert.Close([7], [3, 2, 1, 2, 3, 2, 1], Pad1D("reflect", 2, 2));

    [Fact]
    public void ReflectBeyondOneLengthKeepsBouncing() =>
        // The mirror image repeats: ... 2 1 2 3 2 1 2 | 1 2 3 | 2 1 ...
        TensorAssert.Close([8], [2, 1, 2, 3, 2, 1, 2, 3], Pad1D("reflect", 5, 0));

    [Fact]
    public void Edge() => TensorAssert.Close([6], [1, 1, 1, 2, 3, 3], Pad1D("edge", 2, 1));

    [Fact]
    public void Wrap() => TensorAssert.Close([7], [2, 3, 1, 2, 3, 1, 2], Pad1D("wrap", 2, 2));

    [Fact]
    public void NegativePadsCrop()
    {
        TensorAssert.Close([2], [2, 3], Pad1D("constant", -1, 0));
        // Crop one from the end, then reflect the cropped [1,2] by one at the start.
        TensorAssert.Close([3], [2, 1, 2], Pad1D("reflect", 1, -1));
    }

    [Fact]
    public void AttributesBeforeOpset11()
    {
        var x = Tensor.FromFloats([1, 2], [1, 2]);
        var y = OpEvaluator.Run("Pad", [x], [Attr.String("mode", "constant"), Attr.Ints("pads", 0, 1, 0, 0), Attr.Float("value", 2.5f)], opset: 6)[0];
        TensorAssert.Close([1, 3], [2.5f, 1, 2], y);
        var e = OpEvaluator.Run("Pad", [x], [Attr.String("mode", "edge"), Attr.Ints("pads", 1, 0, 0, 1)], opset: 2)[0];
        TensorAssert.Close([2, 3], [1, 2, 2, 1, 2, 2], e);
    }

    [Fact]
    public void AxesInputFromOpset18()
    {
        // Pad only axis -1 of [2,1] by (1, 0).
        var x = Tensor.FromFloats([2, 1], [5, 6]);
        var y = OpEvaluator.Run("Pad", [x, Tensor.Vector(1, 0), null, Tensor.Vector(-1)], opset: 18)[0];
        TensorAssert.Close([2, 2], [0, 5, 0, 6], y);
    }

    [Fact]
    public void Int64DataWithConstant()
    {
        var y = OpEvaluator.Run("Pad", [Tensor.Vector(4, 5), Tensor.Vector(0, 2), Tensor.FromInt64s([], [-1])], opset: 11)[0];
        Ints(DataType.Int64, [4], [4, 5, -1, -1], y);
    }

    [Fact]
    public void RejectsBadPads()
    {
        Assert.Throws<GraphException>(() => OpEvaluator.Run("Pad", [OneTwoThree, Tensor.Vector(1, 1, 1)], opset: 11));
        Assert.Throws<GraphException>(() => Pad1D("constant", -2, -2));
        Assert.Throws<GraphException>(() => Pad1D("mirror", 1, 1));
        Assert.Throws<GraphException>(() => OpEvaluator.Run("Pad", [Tensor.FromFloats([0], []), Tensor.Vector(1, 1)], [Attr.String("mode", "edge")], opset: 11));
        Assert.Throws<GraphException>(() => OpEvaluator.Run("Pad", [OneTwoThree, Tensor.Vector(1, 1), Tensor.Vector(1)], opset: 11));
    }
}
