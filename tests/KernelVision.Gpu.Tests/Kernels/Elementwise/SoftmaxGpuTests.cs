using KernelVision.Graph;
using Xunit;
using static KernelVision.Gpu.Tests.GpuCheck;

namespace KernelVision.Gpu.Tests.Kernels.Elementwise;

/// <summary>SoftmaxGpu (Softmax and LogSoftmax) on the simulated GPU against Reference.</summary>
public class SoftmaxGpuTests
{
    [Fact]
    public void Softmax() => Same("Softmax", [Random(62, 2, 3, 4, 5)], [Attr.Int("axis", 1)]);

    [Fact]
    public void LogSoftmax() => Same("LogSoftmax", [Random(62, 2, 3, 4, 5)], [Attr.Int("axis", -1)]);

    [Fact]
    public void SoftmaxBeforeOpset13() => Same("Softmax", [Random(62, 2, 3, 4, 5)], [Attr.Int("axis", 2)], opset: 11);
}
