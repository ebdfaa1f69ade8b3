using KernelVision.Tensors;
using Xunit;
using static KernelVision.Gpu.Tests.GpuCheck;

namespace KernelVision.Gpu.Tests.Kernels.Layout;

/// <summary>SliceGpu (strided gather) on the simulated GPU against Reference.</summary>
public class SliceGpuTests
{
    [Fact]
    public void NegativeStartsAndSteps() =>
        Same("Slice", [Random(62, 2, 3, 4, 5), Tensor.Vector(1, 4), Tensor.Vector(-1, 0), Tensor.Vector(2, 3), Tensor.Vector(1, -2)]);
}
