using KernelVision.Execution;
using KernelVision.Graph;
using KernelVision.Ops;
using KernelVision.Tensors;
using Xunit;
using static KernelVision.Tests.Ops.Layout.LayoutTestUtil;

namespace KernelVision.Tests.Ops.Layout;

public class ShapeTests
{
    [Fact]
    public void ListsDims()
    {
        Ints(DataType.Int64, [3], [3, 4, 5], OpEvaluator.Run("Shape", [Iota(3, 4, 5)])[0]);
        Ints(DataType.Int64, [0], [], OpEvaluator.Run("Shape", [Tensor.Scalar(1)])[0]);
    }

    [Theory]
    [InlineData(1L, -1L, new long[] { 4 })]
    [InlineData(-10L, 10L, new long[] { 3, 4, 5 })]
    [InlineData(-1L, null, new long[] { 5 })]
    [InlineData(2L, 1L, new long[0])]
    [InlineData(0L, 1L, new long[] { 3 })]
    public void StartAndEndClamp(long start, long? end, long[] expected)
    {
        var attrs = new List<KernelVision.Graph.Attribute> { Attr.Int("start", start) };
        if (end is not null) attrs.Add(Attr.Int("end", end.Value));
        Ints(DataType.Int64, [expected.Length], expected, OpEvaluator.Run("Shape", [Iota(3, 4, 5)], attrs, opset: 15)[0]);
    }

    [Fact]
    public void InferenceKnowsTheValueWithoutTheInputValue()
    {
        var op = Make("Shape", 1);
        var info = op.InferOutputs([new TensorInfo(DataType.Float32, [1, 3, 8, 8])])[0];
        Assert.Equal(DataType.Int64, info.Type);
        Assert.Equal([4], info.Shape);
        Assert.Equal([1L, 3, 8, 8], info.Value!.Int64s.ToArray());
    }
}
