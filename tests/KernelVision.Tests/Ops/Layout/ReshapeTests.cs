using KernelVision.Execution;
using KernelVision.Graph;
using KernelVision.Tensors;
using Xunit;
using static KernelVision.Tests.Ops.Layout.LayoutTestUtil;

namespace KernelVision.Tests.Ops.Layout;

public class ReshapeTests
{
    private static readonly float[] Six = [0, 1, 2, 3, 4, 5];

    [Fact]
    public void InfersMinusOne()
    {
        var y = OpEvaluator.Run("Reshape", [Iota(2, 3), Tensor.Vector(-1, 2)])[0];
        TensorAssert.Close([3, 2], Six, y);
    }

    [Fact]
    public void ZeroCopiesInputDimension()
    {
        // [2,3,4] with [0,-1]: 0 copies 2, -1 becomes 12.
        var y = OpEvaluator.Run("Reshape", [Iota(2, 3, 4), Tensor.Vector(0, -1)])[0];
        Assert.Equal([2, 12], y!.Shape);
        Assert.Equal(23f, y.Floats[23]);
    }

    [Fact]
    public void AllowZeroMakesRealZeroDims()
    {
        var x = Tensor.FromFloats([0, 3, 4], []);
        var y = OpEvaluator.Run("Reshape", [x, Tensor.Vector(3, 4, 0)], [Attr.Int("allowzero", 1)])[0];
        Assert.Equal([3, 4, 0], y!.Shape);
        // Without allowzero the trailing 0 copies input dim 2 (= 4), which cannot hold 0 elements as [3,4,4].
        Assert.Throws<GraphException>(() => OpEvaluator.Run("Reshape", [x, Tensor.Vector(3, 4, 0)]));
    }

    [Fact]
    public void ZeroSizeInputWithMinusOne()
    {
        var y = OpEvaluator.Run("Reshape", [Tensor.FromFloats([2, 0], []), Tensor.Vector(-1, 2)])[0];
        Assert.Equal([0, 2], y!.Shape);
    }

    [Fact]
    public void ShapeAttributeBeforeOpset5AndInt64Data()
    {
        var y = OpEvaluator.Run("Reshape", [Tensor.Vector(1, 2, 3, 4)], [Attr.Ints("shape", 2, 2)], opset: 1)[0];
        Ints(DataType.Int64, [2, 2], [1, 2, 3, 4], y);
    }

    [Fact]
    public void RejectsInvalidTargets()
    {
        Assert.Throws<GraphException>(() => OpEvaluator.Run("Reshape", [Iota(2, 3), Tensor.Vector(-1, -1)]));
        Assert.Throws<GraphException>(() => OpEvaluator.Run("Reshape", [Iota(2, 3), Tensor.Vector(4, -1)]));
        Assert.Throws<GraphException>(() => OpEvaluator.Run("Reshape", [Iota(2, 3), Tensor.Vector(7)]));
        Assert.Throws<GraphException>(() => OpEvaluator.Run("Reshape", [Iota(2, 3), Tensor.Vector(-2, 3)]));
        Assert.Throws<GraphException>(() => OpEvaluator.Run("Reshape", [Iota(6), Tensor.Vector(6, 0)]));
        Assert.Throws<GraphException>(() => OpEvaluator.Run("Reshape", [Tensor.FromFloats([0, 2], []), Tensor.Vector(0, -1)], [Attr.Int("allowzero", 1)]));
    }

    [Fact]
    public void ShapeValueMustBeKnownBeforeRunTime()
    {
        var op = Make("Reshape", 2);
        var x = new KernelVision.Ops.TensorInfo(DataType.Float32, [2, 3]);
        var shapeWithoutValue = new KernelVision.Ops.TensorInfo(DataType.Int64, [2]);
        Assert.Throws<KernelVision.Ops.ValueNotKnownException>(() => op.InferOutputs([x, shapeWithoutValue]));
    }
}
