using KernelVision.Graph;
using KernelVision.Tensors;
using Xunit;
using static KernelVision.Gpu.Tests.GpuCheck;

namespace KernelVision.Gpu.Tests.Kernels.Layout;

/// <summary>UpsampleGpu (deprecated Resize) on the simulated GPU against Reference.</summary>
public class UpsampleGpuTests
{
    [Fact]
    public void NearestOpset9() =>
        Same("Upsample", [Random(70, 1, 2, 3, 5), Tensor.FromFloats([4], [1, 1, 2, 2])], [Attr.String("mode", "nearest")], opset: 9);
}
