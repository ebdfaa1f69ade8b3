using KernelVision.Graph;
using Xunit;
using static KernelVision.Gpu.Tests.GpuCheck;

namespace KernelVision.Gpu.Tests.Kernels.Layout;

/// <summary>TransposeGpu (gather with permuted strides) on the simulated GPU against Reference.</summary>
public class TransposeGpuTests
{
    [Fact]
    public void Permutations()
    {
        var x = Random(62, 2, 3, 4, 5);
        Same("Transpose", [x], [Attr.Ints("perm", 0, 2, 3, 1)]);
        Same("Transpose", [x], [Attr.Ints("perm", 3, 1, 0, 2)]);
    }
}
