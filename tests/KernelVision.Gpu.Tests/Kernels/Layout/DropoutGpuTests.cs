using KernelVision.Tensors;
using Xunit;
using static KernelVision.Gpu.Tests.GpuCheck;

namespace KernelVision.Gpu.Tests.Kernels.Layout;

/// <summary>DropoutGpu in inference mode (device copy) on the simulated GPU against Reference.</summary>
public class DropoutGpuTests
{
    [Fact]
    public void InferenceIsACopy()
    {
        Same("Dropout", [Random(62, 2, 3, 4, 5)]);
        Same("Dropout", [Random(62, 2, 3, 4, 5), Tensor.Scalar(0.3f)]);
    }
}
