using KernelVision.Graph;
using KernelVision.Tensors;
using Xunit;
using static KernelVision.Cpu.Tests.CpuVsReference;
using static KernelVision.Cpu.Tests.Kernels.Layout.LayoutCheck;

namespace KernelVision.Cpu.Tests.Kernels.Layout;

public class TransposeCpuTests
{
    public static TheoryData<int[], long[]?> Transposes() => new()
    {
        { [3, 5], null },
        { [17, 33], [1, 0] },
        { [2, 3, 4], [0, 2, 1] },
        { [2, 3, 4], [2, 0, 1] },
        { [2, 3, 4], [1, 2, 0] },
        { [2, 3, 4, 5], [0, 2, 3, 1] },
        { [2, 3, 4, 5], [0, 3, 1, 2] },
        { [2, 3, 4, 5], [3, 2, 1, 0] },
        { [2, 3, 4, 5], [0, 1, 3, 2] },
        { [2, 4, 3, 5, 6], [0, 2, 1, 3, 4] },
        { [1, 3, 1, 5], [2, 3, 0, 1] },
        { [1, 1, 7], [2, 1, 0] },
        { [2, 3, 4], [0, 1, 2] },
        { [1, 64, 56, 57], [0, 2, 3, 1] },
        { [1, 56, 57, 64], [0, 3, 1, 2] },
        { [1, 8, 4, 28, 28], [0, 2, 1, 3, 4] },
    };

    [Theory]
    [MemberData(nameof(Transposes))]
    public void TransposeMatchesReference(int[] shape, long[]? perm)
    {
        var rng = new Random(shape.Sum());
        var attrs = perm is null ? null : new[] { Attr.Ints("perm", perm) };
        foreach (var x in AllTypes(rng, shape)) Exact("Transpose", [x], attrs);
    }
}
