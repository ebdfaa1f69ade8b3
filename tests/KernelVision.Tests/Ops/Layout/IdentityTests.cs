using KernelVision.Execution;
using KernelVision.Tensors;
using Xunit;

namespace KernelVision.Tests.Ops.Layout;

public class IdentityTests
{
    [Fact]
    public void CopiesFloatInput()
    {
        var x = Tensor.FromFloats([2, 2], [1, -2, 3, 4]);
        var y = OpEvaluator.Run("Identity", [x])[0];
        TensorAssert.Close([2, 2], [1, -2, 3, 4], y);
    }

    [Fact]
    public void RejectsMissingInput()
    {
        Assert.Throws<GraphException>(() => OpEvaluator.Run("Identity", []));
    }
}
