using KernelVision.Graph;
using KernelVision.Tensors;
using Xunit;
using static KernelVision.Gpu.Tests.GpuCheck;

namespace KernelVision.Gpu.Tests.Kernels.Elementwise;

/// <summary>ClipGpu on the simulated GPU against Reference: bounds as inputs (opset 11+) and as attributes.</summary>
public class ClipGpuTests
{
    [Fact]
    public void BoundsAsInputs() => Same("Clip", [Random(52, 3, 7, 5), Tensor.Scalar(-0.3f), Tensor.Scalar(0.5f)]);

    [Fact]
    public void BoundsAsAttributes() => Same("Clip", [Random(52, 3, 7, 5)], [Attr.Float("min", -0.2f), Attr.Float("max", 0.1f)], opset: 6);
}
