using KernelVision.Execution;
using KernelVision.Graph;
using KernelVision.Ops;
using KernelVision.Tensors;
using Xunit;
using static KernelVision.Tests.Ops.Layout.LayoutTestUtil;

namespace KernelVision.Tests.Ops.Layout;

public class ConstantOfShapeTests
{
    [Fact]
    public void DefaultsToFloatZeros()
    {
        TensorAssert.Close([2, 3], new float[6], OpEvaluator.Run("ConstantOfShape", [Tensor.Vector(2, 3)])[0]);
    }

    [Fact]
    public void FillsWithValueAttributeType()
    {
        var y = OpEvaluator.Run("ConstantOfShape", [Tensor.Vector(3)], [Attr.Tensor("value", Tensor.FromInt64s([1], [7]))])[0];
        Ints(DataType.Int64, [3], [7, 7, 7], y);
        var s = OpEvaluator.Run("ConstantOfShape", [Tensor.Vector()], [Attr.Tensor("value", Tensor.FromFloats([1], [2.5f]))])[0];
        TensorAssert.Close([], [2.5f], s);
    }

    [Fact]
    public void InferenceReturnsValueWhenShapeKnown()
    {
        var op = Make("ConstantOfShape", 1, [Attr.Tensor("value", Tensor.FromFloats([1], [1]))]);
        var info = op.InferOutputs([TensorInfo.Of(Tensor.Vector(2))])[0];
        Assert.Equal([1f, 1f], info.Value!.Floats.ToArray());
        Assert.Throws<ValueNotKnownException>(() => op.InferOutputs([new TensorInfo(DataType.Int64, [1])]));
    }

    [Fact]
    public void RejectsBadShapeOrValue()
    {
        Assert.Throws<GraphException>(() => OpEvaluator.Run("ConstantOfShape", [Tensor.Vector(2, -1)]));
        Assert.Throws<GraphException>(() => OpEvaluator.Run("ConstantOfShape", [Tensor.Vector(2)], [Attr.Tensor("value", Tensor.FromFloats([2], [1, 2]))]));
        Assert.Throws<GraphException>(() => OpEvaluator.Run("ConstantOfShape", [Tensor.FromFloats([1], [2])]));
    }
}
