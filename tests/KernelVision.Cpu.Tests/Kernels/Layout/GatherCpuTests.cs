using KernelVision.Graph;
using KernelVision.Tensors;
using Xunit;
using static KernelVision.Cpu.Tests.CpuVsReference;
using static KernelVision.Cpu.Tests.Kernels.Layout.LayoutCheck;

namespace KernelVision.Cpu.Tests.Kernels.Layout;

public class GatherCpuTests
{
    [Fact]
    public void GatherAlongAxes()
    {
        var rng = new Random(6);
        foreach (var x in AllTypes(rng, [5, 4, 3]))
        {
            Exact("Gather", [x, Tensor.Vector(4, 0, -1, 2)], [Attr.Int("axis", 0)]);
            Exact("Gather", [x, Tensor.FromInt64s([2, 2], [1, -1, 0, 3])], [Attr.Int("axis", 1)]);
            Exact("Gather", [x, Tensor.FromInt64s([], [2])], [Attr.Int("axis", -1)]);
            Exact("Gather", [x, new Tensor(DataType.Int32, [3], new long[] { 0, 0, 1 })], [Attr.Int("axis", 2)]);
        }
        Exact("Gather", [Random(rng, [1000, 128]), RandomInts(rng, DataType.Int64, [2, 300], -1000, 1000)]);
        Assert.ThrowsAny<KernelVisionException>(() => RunCpu("Gather", [Random(rng, [3, 2]), Tensor.Vector(3)]));
    }
}
