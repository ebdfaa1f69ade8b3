using KernelVision.Backends.Reference;
using KernelVision.Execution;
using KernelVision.Graph;
using KernelVision.Ops;
using KernelVision.Ops.Linear;
using KernelVision.Tensors;
using Xunit;

namespace KernelVision.Tests.Ops.Linear;

public class GemmTests
{
    // A = [[1,2,3],[4,5,6]], B = [[1,0],[0,1],[1,1]] → A·B = [[4,5],[10,11]]
    private static readonly Tensor A = Tensor.FromFloats([2, 3], [1, 2, 3, 4, 5, 6]);
    private static readonly Tensor B = Tensor.FromFloats([3, 2], [1, 0, 0, 1, 1, 1]);

    [Fact]
    public void PlainProduct()
    {
        TensorAssert.Close([2, 2], [4, 5, 10, 11], OpEvaluator.Run("Gemm", [A, B])[0]);
    }

    [Fact]
    public void TransposesAlphaBetaAndRowBias()
    {
        var at = Tensor.FromFloats([3, 2], [1, 4, 2, 5, 3, 6]);
        var bt = Tensor.FromFloats([2, 3], [1, 0, 1, 0, 1, 1]);
        var c = Tensor.FromFloats([2], [1, -1]);
        var y = OpEvaluator.Run("Gemm", [at, bt, c],
            [Attr.Int("transA", 1), Attr.Int("transB", 1), Attr.Float("alpha", 0.5f), Attr.Float("beta", 2)])[0];
        // 0.5·[[4,5],[10,11]] + 2·[1,−1]
        TensorAssert.Close([2, 2], [4, 0.5f, 7, 3.5f], y);
    }

    [Fact]
    public void ScalarAndColumnBias()
    {
        TensorAssert.Close([2, 2], [14, 15, 20, 21], OpEvaluator.Run("Gemm", [A, B, Tensor.Scalar(10)])[0]);
        TensorAssert.Close([2, 2], [5, 6, 12, 13], OpEvaluator.Run("Gemm", [A, B, Tensor.FromFloats([2, 1], [1, 2])])[0]);
    }

    [Fact]
    public void Opset6LegacyBroadcastAccepted()
    {
        var y = OpEvaluator.Run("Gemm", [A, B, Tensor.FromFloats([2], [1, 2])], [Attr.Int("broadcast", 1)], opset: 6)[0];
        TensorAssert.Close([2, 2], [5, 7, 11, 13], y);
    }

    [Fact]
    public void FusedActivationRunsAfterBias()
    {
        // [1,−1]·I + [0, 0.5] = [1, −0.5]; Relu → [1, 0]; LeakyRelu(0.1) → [1, −0.05]
        var a = Tensor.FromFloats([1, 2], [1, -1]);
        var b = Tensor.FromFloats([2, 2], [1, 0, 0, 1]);
        var c = Tensor.FromFloats([2], [0, 0.5f]);
        TensorAssert.Close([1, 2], [1, 0], RunWithActivation(new FusedActivation(ActivationKind.Relu), a, b, c));
        TensorAssert.Close([1, 2], [1, -0.05f], RunWithActivation(new FusedActivation(ActivationKind.LeakyRelu, 0.1f), a, b, c));
    }

    private static Tensor RunWithActivation(FusedActivation act, params Tensor[] inputs)
    {
        var node = new Node
        {
            OpType = "Gemm",
            Inputs = ["a", "b", "c"],
            Outputs = ["y"],
            Attributes = new AttributeSet([], "Gemm"),
        };
        var op = new Gemm(node, 13) { Activation = act };
        return OpEvaluator.Evaluate(op, ReferenceBackend.Instance, inputs)[0]!;
    }

    [Fact]
    public void FlopsAreTwiceTheMacs()
    {
        var node = new Node { OpType = "Gemm", Outputs = ["y"], Attributes = new AttributeSet([], "Gemm") };
        var op = new Gemm(node, 13);
        var ins = new TensorInfo?[] { new(DataType.Float32, [2, 3]), new(DataType.Float32, [3, 4]) };
        Assert.Equal(2L * 2 * 4 * 3, op.Flops(ins, op.InferOutputs(ins)));
    }

    [Fact]
    public void RejectsMismatchedInnerDims()
    {
        Assert.Throws<GraphException>(() => OpEvaluator.Run("Gemm", [A, A]));
    }

    [Fact]
    public void RejectsNon2DOperands()
    {
        Assert.Throws<GraphException>(() => OpEvaluator.Run("Gemm", [Tensor.FromFloats([1, 2, 3], new float[6]), B]));
    }

    [Fact]
    public void RejectsBiasThatDoesNotBroadcast()
    {
        Assert.Throws<GraphException>(() => OpEvaluator.Run("Gemm", [A, B, Tensor.FromFloats([3], [1, 2, 3])]));
        Assert.Throws<GraphException>(() => OpEvaluator.Run("Gemm", [A, B, Tensor.FromFloats([1, 2, 2], new float[4])]));
    }

    [Fact]
    public void RejectsBadTransposeFlag()
    {
        Assert.Throws<GraphException>(() => OpEvaluator.Run("Gemm", [A, B], [Attr.Int("transA", 2)]));
    }

    [Fact]
    public void RejectsIntegerOperands()
    {
        Assert.Throws<UnsupportedException>(() => OpEvaluator.Run("Gemm", [Tensor.FromInt64s([1, 1], [1]), Tensor.FromInt64s([1, 1], [1])]));
    }
}
