using KernelVision.Graph;
using KernelVision.Tensors;
using Xunit;
using static KernelVision.Cpu.Tests.CpuVsReference;

namespace KernelVision.Cpu.Tests.Kernels.Layout;

public class ReduceMeanCpuTests
{
    public static TheoryData<int[], long[]?, int> ReduceCases() => new()
    {
        { [2, 3, 5, 7], [2, 3], 1 },
        { [2, 3, 5, 7], [-1, -2], 0 },
        { [1, 64, 56, 56], [2, 3], 1 },
        { [2, 3, 5, 7], [1], 1 },
        { [2, 3, 5, 7], [0, 2], 0 },
        { [2, 3, 5, 7], [0], 1 },
        { [2, 3, 5, 7], null, 1 },
        { [2, 3, 5, 7], null, 0 },
        { [4, 1, 9], [1], 1 },
        { [3, 1, 4], [0, 2], 0 },
        { [7, 300], [0], 1 },
    };

    [Theory]
    [MemberData(nameof(ReduceCases))]
    public void ReduceMeanMatchesReference(int[] shape, long[]? axes, int keepdims)
    {
        var rng = new Random(shape.Sum() + (axes?.Length ?? 9));
        var x = Random(rng, shape, -2, 4);
        var keep = Attr.Int("keepdims", keepdims);
        Check("ReduceMean", [x], axes is null ? [keep] : [Attr.Ints("axes", axes), keep], opset: 13);
        Check("ReduceMean", axes is null ? [x] : [x, Tensor.Vector(axes)], [keep], opset: 18);
    }

    [Fact]
    public void ReduceMeanEdgeForms()
    {
        var rng = new Random(3);
        var x = Random(rng, [2, 3, 4]);
        Check("ReduceMean", [x], [Attr.Int("noop_with_empty_axes", 1)], opset: 18, exact: true);
        Check("ReduceMean", [Tensor.FromFloats([0, 3], [])], [Attr.Ints("axes", 0)], opset: 13, exact: true);
        Check("ReduceMean", [RandomInts(rng, DataType.Int64, [3, 4], -50, 50)], [Attr.Ints("axes", 1)], opset: 13, exact: true);
    }
}
