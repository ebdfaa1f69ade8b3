using KernelVision.Graph;
using KernelVision.Tensors;
using Xunit;
using static KernelVision.Gpu.Tests.GpuCheck;

namespace KernelVision.Gpu.Tests.Kernels.Layout;

/// <summary>ResizeGpu (separable passes over the plan's taps) on the simulated GPU against Reference.</summary>
public class ResizeGpuTests
{
    private static readonly Tensor X = Random(70, 1, 2, 3, 5);
    private static readonly Tensor Empty = Tensor.FromFloats([0], []);
    private static readonly Tensor Up = Tensor.FromFloats([4], [1, 1, 2.5f, 1.6f]);

    [Fact]
    public void Nearest() => Same("Resize", [X, Empty, Up], [Attr.String("mode", "nearest")]);

    [Fact]
    public void LinearAlignCorners() =>
        Same("Resize", [X, Empty, Up], [Attr.String("mode", "linear"), Attr.String("coordinate_transformation_mode", "align_corners")]);

    [Fact]
    public void Cubic() => Same("Resize", [X, Empty, Up], [Attr.String("mode", "cubic")]);

    [Fact]
    public void LinearAntialiasDownscale() =>
        Same("Resize", [X, Empty, Tensor.FromFloats([4], [1, 1, 0.6f, 0.5f])], [Attr.String("mode", "linear"), Attr.Int("antialias", 1)]);
}
