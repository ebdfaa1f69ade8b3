using KernelVision.Backends;
using KernelVision.Cpu.Kernels.Linear;
using KernelVision.Tensors;
using Xunit;
using static KernelVision.Cpu.Tests.Kernels.KernelTestUtil;

namespace KernelVision.Cpu.Tests.Kernels.Linear;

public class MatMulCpuTests
{
    public static TheoryData<int[], int[]> Shapes() => new()
    {
        { [7, 9], [9, 5] },
        { [1, 300], [300, 40] },
        { [9], [9, 13] },
        { [13, 9], [9] },
        { [9], [9] },
        { [4, 7, 33], [33, 18] },          // batches fold into rows
        { [2, 3, 5, 8], [8, 6] },
        { [7, 33], [4, 33, 18] },          // A broadcast over B's batches
        { [2, 1, 6, 5], [1, 3, 5, 4] },    // both broadcast
        { [3, 6, 5], [3, 5, 4] },          // paired batches
        { [64, 4, 8], [64, 8, 4] },        // many small batches: parallel over batches
        { [2, 100, 70], [2, 70, 90] },     // few large batches: parallel inside each
        { [3, 0], [0, 4] },                // K = 0: zeros
        { [2, 0, 5], [5, 3] },             // empty output
    };

    [Theory]
    [MemberData(nameof(Shapes))]
    public void MatchesReference(int[] aShape, int[] bShape)
    {
        var rng = new Random(aShape.Sum() * 31 + bShape.Sum());
        var op = MakeOp("MatMul", 2);
        Assert.IsType<MatMulCpu>(CpuTwoThreads.CreateKernel(op));
        AssertMatchesReference(op, [RandomFloats(rng, aShape), RandomFloats(rng, bShape)], what: $"{ShapeUtil.Format(aShape)}·{ShapeUtil.Format(bShape)}");
    }

    [Fact]
    public void PreparedConstantBIsUsedOnlyForThatTensor()
    {
        var rng = new Random(2);
        var op = MakeOp("MatMul", 2);
        var kernel = CpuTwoThreads.CreateKernel(op)!;
        var w = RandomFloats(rng, 1, 40, 24);
        ((IConstantInputsAware)kernel).PrepareConstants([null, w]);
        AssertMatchesReference(op, [RandomFloats(rng, 2, 5, 40), w], kernel, "prepared");
        AssertMatchesReference(op, [RandomFloats(rng, 2, 5, 40), RandomFloats(rng, 1, 40, 24)], kernel, "other B");
        // Shapes may change between runs (a new plan): the kernel re-maps its batches.
        AssertMatchesReference(op, [RandomFloats(rng, 3, 2, 40), RandomFloats(rng, 3, 40, 7)], kernel, "new shapes");
    }

    [Fact]
    public void IntegersFallBackToReference()
    {
        var op = MakeOp("MatMul", 2);
        var y = Run(op, CpuTwoThreads.CreateKernel(op)!, [Tensor.FromInt64s([1, 2], [2, 3]), Tensor.FromInt64s([2, 1], [4, 5])]);
        Assert.Equal(new long[] { 23 }, y.Int64s.ToArray());
    }
}
