using KernelVision.Graph;
using KernelVision.Tensors;
using Xunit;
using static KernelVision.Cpu.Tests.CpuVsReference;
using static KernelVision.Cpu.Tests.Kernels.Layout.LayoutCheck;

namespace KernelVision.Cpu.Tests.Kernels.Layout;

public class SliceCpuTests
{
    [Fact]
    public void SliceWithStepsAxesAndClamping()
    {
        var rng = new Random(4);
        var x = Random(rng, [4, 6, 8, 10]);
        Exact("Slice", [x, Tensor.Vector(1), Tensor.Vector(3)]);
        Exact("Slice", [x, Tensor.Vector(0, 2), Tensor.Vector(3, 5), Tensor.Vector(1, 3)]);
        Exact("Slice", [x, Tensor.Vector(-1, 1), Tensor.Vector(-100, 1000), Tensor.Vector(2, 3), Tensor.Vector(-2, 3)]);
        Exact("Slice", [x, Tensor.Vector(5, 0), Tensor.Vector(0, 8), Tensor.Vector(1, 2), Tensor.Vector(-1, 3)]);
        Exact("Slice", [x, Tensor.Vector(0, 0, 0, 0), Tensor.Vector(4, 6, 8, 10)]);
        Exact("Slice", [x, Tensor.Vector(1, 1), Tensor.Vector(4, 9), Tensor.Vector(0, -1), Tensor.Vector(2, 2)]);
        Exact("Slice", [x, Tensor.Vector(3), Tensor.Vector(3), Tensor.Vector(1)]); // empty
        Exact("Slice", [x], [Attr.Ints("starts", 1, 2), Attr.Ints("ends", 3, 7), Attr.Ints("axes", 0, 2)], opset: 9);
        Exact("Slice", [Random(rng, [1, 64, 112, 112]), Tensor.Vector(0), Tensor.Vector(32), Tensor.Vector(1)]);
        Exact("Slice", [Random(rng, [1, 16, 112, 112]), Tensor.Vector(1, 1), Tensor.Vector(112, 112), Tensor.Vector(2, 3), Tensor.Vector(2, 2)]);
        Exact("Slice", [RandomInts(rng, DataType.Int64, [4], 0, 9), Tensor.Vector(2), Tensor.Vector(long.MaxValue)]);
        Exact("Slice", [Bools(rng, [5, 6]), Tensor.Vector(4), Tensor.Vector(0), Tensor.Vector(1), Tensor.Vector(-2)]);
        Exact("Slice", [Doubles(rng, [5, 6]), Tensor.Vector(1), Tensor.Vector(5), Tensor.Vector(0), Tensor.Vector(3)]);
    }
}
