using KernelVision.Execution;
using KernelVision.Graph;
using KernelVision.Tensors;
using Xunit;
using static KernelVision.Tests.Ops.Layout.LayoutTestUtil;

namespace KernelVision.Tests.Ops.Layout;

public class TransposeTests
{
    [Fact]
    public void DefaultReversesDims()
    {
        var y = OpEvaluator.Run("Transpose", [Iota(2, 3)])[0];
        TensorAssert.Close([3, 2], [0, 3, 1, 4, 2, 5], y);
    }

    [Fact]
    public void PermutationMatchesNaiveIndexing()
    {
        // y[a,b,c] = x[c,a,b] for perm [1,2,0] on x [2,3,4]; x value = 12c + 4a + b.
        var y = OpEvaluator.Run("Transpose", [Iota(2, 3, 4)], [Attr.Ints("perm", 1, 2, 0)])[0]!;
        Assert.Equal([3, 4, 2], y.Shape);
        for (int a = 0; a < 3; a++)
            for (int b = 0; b < 4; b++)
                for (int c = 0; c < 2; c++)
                    Assert.Equal(12 * c + 4 * a + b, y.Floats[(a * 4 + b) * 2 + c]);
    }

    [Fact]
    public void MovesBoolData()
    {
        var x = new Tensor(DataType.Bool, [2, 2], new[] { true, false, false, false });
        var y = OpEvaluator.Run("Transpose", [x], [Attr.Ints("perm", 1, 0)])[0]!;
        Assert.Equal([true, false, false, false], y.Bools.ToArray());
        var x2 = new Tensor(DataType.Bool, [2, 2], new[] { false, true, false, false });
        Assert.Equal([false, false, true, false], OpEvaluator.Run("Transpose", [x2])[0]!.Bools.ToArray());
    }

    [Fact]
    public void RejectsInvalidPerm()
    {
        Assert.Throws<GraphException>(() => OpEvaluator.Run("Transpose", [Iota(2, 3)], [Attr.Ints("perm", 0, 0)]));
        Assert.Throws<GraphException>(() => OpEvaluator.Run("Transpose", [Iota(2, 3)], [Attr.Ints("perm", 0, 1, 2)]));
        Assert.Throws<GraphException>(() => OpEvaluator.Run("Transpose", [Iota(2, 3)], [Attr.Ints("perm", 0, 2)]));
    }
}
