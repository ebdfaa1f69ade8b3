using KernelVision.Graph;
using KernelVision.Tensors;
using Xunit;
using static KernelVision.Cpu.Tests.CpuVsReference;
using static KernelVision.Cpu.Tests.Kernels.Layout.LayoutCheck;

namespace KernelVision.Cpu.Tests.Kernels.Layout;

public class DropoutCpuTests
{
    [Fact]
    public void InferenceModeCopiesAndTrainingModeIsRejected()
    {
        var rng = new Random(1);
        var f = Random(rng, [3, 5]);
        Exact("Dropout", [f], outputs: 2);
        Exact("Dropout", [f], [Attr.Float("ratio", 0.3f)], outputs: 2, opset: 9);
        Exact("Dropout", [f, Tensor.Scalar(0f), BoolScalar(true)], outputs: 2);
        Assert.Throws<UnsupportedException>(() => RunCpu("Dropout", [f, Tensor.Scalar(0.5f), BoolScalar(true)]));
    }
}
