using KernelVision.Execution;
using KernelVision.Graph;
using KernelVision.Tensors;
using Xunit;
using static KernelVision.Tests.Ops.Layout.LayoutTestUtil;

namespace KernelVision.Tests.Ops.Layout;

public class ConstantTests
{
    [Fact]
    public void ValueTensor()
    {
        var v = Tensor.FromFloats([2], [1.5f, -2]);
        TensorAssert.Close([2], [1.5f, -2], OpEvaluator.Run("Constant", [], [Attr.Tensor("value", v)])[0]);
    }

    [Fact]
    public void ScalarAndListAttributes()
    {
        TensorAssert.Close([], [3.25f], OpEvaluator.Run("Constant", [], [Attr.Float("value_float", 3.25f)])[0]);
        TensorAssert.Close([2], [1, 2], OpEvaluator.Run("Constant", [], [Attr.Floats("value_floats", 1, 2)])[0]);
        Ints(DataType.Int64, [], [7], OpEvaluator.Run("Constant", [], [Attr.Int("value_int", 7)])[0]);
        Ints(DataType.Int64, [3], [1, -1, 4], OpEvaluator.Run("Constant", [], [Attr.Ints("value_ints", 1, -1, 4)])[0]);
    }

    [Fact]
    public void InferenceReturnsTheValue()
    {
        var op = Make("Constant", 0, [Attr.Ints("value_ints", 2, 3)]);
        var info = op.InferOutputs([])[0];
        Assert.Equal(DataType.Int64, info.Type);
        Assert.Equal([2L, 3L], info.Value!.Int64s.ToArray());
    }

    [Fact]
    public void RejectsSparseMissingAndDoubleValues()
    {
        var sparse = new KernelVision.Graph.Attribute { Name = "sparse_value", Kind = AttributeKind.Other };
        Assert.Throws<UnsupportedException>(() => OpEvaluator.Run("Constant", [], [sparse]));
        Assert.Throws<GraphException>(() => OpEvaluator.Run("Constant", []));
        Assert.Throws<GraphException>(() => OpEvaluator.Run("Constant", [], [Attr.Int("value_int", 1), Attr.Float("value_float", 1)]));
    }
}
