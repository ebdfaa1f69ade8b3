using KernelVision.Execution;
using KernelVision.Graph;
using KernelVision.Ops;
using KernelVision.Ops.Linear;
using KernelVision.Tensors;
using Xunit;

namespace KernelVision.Tests.Ops.Linear;

public class MatMulTests
{
    [Fact]
    public void TwoD()
    {
        var a = Tensor.FromFloats([2, 3], [1, 2, 3, 4, 5, 6]);
        var b = Tensor.FromFloats([3, 2], [1, 0, 0, 1, 1, 1]);
        TensorAssert.Close([2, 2], [4, 5, 10, 11], OpEvaluator.Run("MatMul", [a, b])[0]);
    }

    [Fact]
    public void VectorTimesVectorIsScalar()
    {
        var y = OpEvaluator.Run("MatMul", [Tensor.FromFloats([3], [1, 2, 3]), Tensor.FromFloats([3], [4, 5, 6])])[0];
        TensorAssert.Close([], [32], y);
    }

    [Fact]
    public void VectorOperandsArePromotedAndDropped()
    {
        var m = Tensor.FromFloats([2, 3], [1, 2, 3, 4, 5, 6]);
        TensorAssert.Close([3], [9, 12, 15], OpEvaluator.Run("MatMul", [Tensor.FromFloats([2], [1, 2]), m])[0]);
        TensorAssert.Close([2], [6, 15], OpEvaluator.Run("MatMul", [m, Tensor.FromFloats([3], [1, 1, 1])])[0]);
    }

    [Fact]
    public void BatchDimsBroadcast()
    {
        // A: batches [2,1] of 1×2 rows {1,2},{3,4}; B: batch [3] of 2×1 columns {1,1},{1,0},{0,1}.
        var a = Tensor.FromFloats([2, 1, 1, 2], [1, 2, 3, 4]);
        var b = Tensor.FromFloats([3, 2, 1], [1, 1, 1, 0, 0, 1]);
        var y = OpEvaluator.Run("MatMul", [a, b])[0];
        TensorAssert.Close([2, 3, 1, 1], [3, 1, 2, 7, 3, 4], y);
    }

    [Fact]
    public void BatchedTimesMatrix()
    {
        // two 1×2 rows times the same 2×2 matrix [[1,2],[3,4]]
        var a = Tensor.FromFloats([2, 1, 2], [1, 0, 1, 1]);
        var b = Tensor.FromFloats([2, 2], [1, 2, 3, 4]);
        TensorAssert.Close([2, 1, 2], [1, 2, 4, 6], OpEvaluator.Run("MatMul", [a, b])[0]);
    }

    [Fact]
    public void Integers()
    {
        var y = OpEvaluator.Run("MatMul", [Tensor.FromInt64s([2, 2], [1, 2, 3, 4]), Tensor.FromInt64s([2, 2], [5, 6, 7, 8])])[0]!;
        Assert.Equal([19L, 22, 43, 50], y.Int64s.ToArray());
        var i8 = OpEvaluator.Run("MatMul", [new Tensor(DataType.Int8, [1, 1], new long[] { 100 }), new Tensor(DataType.Int8, [1, 1], new long[] { 2 })])[0]!;
        Assert.Equal([-56L], i8.Int64s.ToArray());
    }

    [Fact]
    public void Flops()
    {
        var node = new Node { OpType = "MatMul", Outputs = ["y"], Attributes = new AttributeSet([], "MatMul") };
        var op = new MatMul(node, 13);
        var ins = new TensorInfo?[] { new(DataType.Float32, [2, 3, 4]), new(DataType.Float32, [4, 5]) };
        Assert.Equal(2L * 2 * 3 * 5 * 4, op.Flops(ins, op.InferOutputs(ins)));
    }

    [Fact]
    public void RejectsMismatchedInnerDims()
    {
        Assert.Throws<GraphException>(() => OpEvaluator.Run("MatMul", [Tensor.FromFloats([2, 3], new float[6]), Tensor.FromFloats([2, 3], new float[6])]));
    }

    [Fact]
    public void RejectsBatchDimsThatDoNotBroadcast()
    {
        Assert.Throws<GraphException>(() => OpEvaluator.Run("MatMul", [Tensor.FromFloats([2, 1, 2], new float[4]), Tensor.FromFloats([3, 2, 1], new float[6])]));
    }

    [Fact]
    public void RejectsScalarsAndMixedTypes()
    {
        Assert.Throws<GraphException>(() => OpEvaluator.Run("MatMul", [Tensor.Scalar(1), Tensor.FromFloats([1], [1])]));
        Assert.Throws<GraphException>(() => OpEvaluator.Run("MatMul", [Tensor.FromFloats([1], [1]), Tensor.Vector(1)]));
    }
}
