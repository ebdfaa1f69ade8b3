using KernelVision.Graph;
using KernelVision.Tensors;
using Xunit;
using static KernelVision.Cpu.Tests.CpuVsReference;

namespace KernelVision.Cpu.Tests.Kernels.Layout;

public class ArgMaxCpuTests
{
    public static TheoryData<int[], int> ArgMaxCases() => new()
    {
        { [5], 0 },
        { [3, 1000], 1 },
        { [3, 1000], 0 },
        { [2, 21, 33, 35], 1 },
        { [2, 3, 4, 5], 3 },
        { [2, 3, 4, 5], -2 },
        { [1, 5, 300, 300], 1 },
    };

    [Theory]
    [MemberData(nameof(ArgMaxCases))]
    public void ArgMaxMatchesReference(int[] shape, int axis)
    {
        var rng = new Random(shape.Sum() + axis);
        var x = Random(rng, shape);
        // Few distinct values: ties are common, so first/last index selection is exercised.
        var ties = Tensor.Zeros(DataType.Float32, shape);
        for (int i = 0; i < ties.Length; i++) ties.Floats[i] = rng.Next(4);
        foreach (var t in new[] { x, ties })
            foreach (int last in new[] { 0, 1 })
                foreach (int keep in new[] { 0, 1 })
                    Check("ArgMax", [t], [Attr.Int("axis", axis), Attr.Int("select_last_index", last), Attr.Int("keepdims", keep)], exact: true);
    }

    [Fact]
    public void ArgMaxNaNCountsAsLargest()
    {
        float n = float.NaN;
        var x = Tensor.FromFloats([4, 10],
        [
            1, n, 3, n, 2, 0, 0, 0, 0, 0,
            n, 1, 2, 3, 4, 5, 6, 7, 8, 9,
            0, 0, 0, 0, 0, 0, 0, 0, 0, n,
            5, 5, 1, 5, 2, 2, 2, 2, 2, 2,
        ]);
        foreach (int axis in new[] { 0, 1 })
            foreach (int last in new[] { 0, 1 })
                Check("ArgMax", [x], [Attr.Int("axis", axis), Attr.Int("select_last_index", last)], exact: true);
        Check("ArgMax", [RandomInts(new Random(1), DataType.Int32, [3, 4], -5, 5)], [Attr.Int("axis", 1)], exact: true);
    }
}
