using KernelVision.Execution;
using KernelVision.Graph;
using KernelVision.Tensors;
using Xunit;
using static KernelVision.Tests.Ops.Layout.LayoutTestUtil;

namespace KernelVision.Tests.Ops.Layout;

public class SqueezeTests
{
    [Fact]
    public void AxesInputFromOpset13()
    {
        var y = OpEvaluator.Run("Squeeze", [Iota(1, 3, 1, 2), Tensor.Vector(-2)], opset: 13)[0];
        TensorAssert.Close([1, 3, 2], [0, 1, 2, 3, 4, 5], y);
    }

    [Fact]
    public void AxesAttributeBeforeOpset13()
    {
        var y = OpEvaluator.Run("Squeeze", [Iota(1, 2)], [Attr.Ints("axes", 0)], opset: 11)[0];
        TensorAssert.Close([2], [0, 1], y);
    }

    [Fact]
    public void NoAxesRemovesAllOnes()
    {
        var y = OpEvaluator.Run("Squeeze", [Tensor.FromInt64s([1, 1, 2, 1], [4, 5])], opset: 13)[0];
        Ints(DataType.Int64, [2], [4, 5], y);
    }

    [Fact]
    public void RejectsAxisThatIsNotOne()
    {
        Assert.Throws<GraphException>(() => OpEvaluator.Run("Squeeze", [Iota(1, 3), Tensor.Vector(1)], opset: 13));
        Assert.Throws<GraphException>(() => OpEvaluator.Run("Squeeze", [Iota(1, 3), Tensor.Vector(2)], opset: 13));
    }
}
