using KernelVision.Graph;
using KernelVision.Tensors;
using Xunit;
using static KernelVision.Gpu.Tests.GpuCheck;

namespace KernelVision.Gpu.Tests.Kernels.Layout;

/// <summary>PadGpu on the simulated GPU against Reference: every mode, negative pads crop.</summary>
public class PadGpuTests
{
    [Theory]
    [InlineData("constant")]
    [InlineData("reflect")]
    [InlineData("edge")]
    [InlineData("wrap")]
    public void Pad(string mode)
    {
        var x = Random(69, 1, 2, 4, 5);
        Same("Pad", [x, Tensor.Vector(0, 0, 2, 3, 0, 1, 1, -1), Tensor.Scalar(0.25f)], [Attr.String("mode", mode)]);
    }
}
