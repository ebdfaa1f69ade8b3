using KernelVision.Graph;
using Xunit;
using static KernelVision.Gpu.Tests.GpuCheck;

namespace KernelVision.Gpu.Tests.Kernels.Neural;

/// <summary>LayerNormalizationGpu on the simulated GPU against Reference (the ONNX cases run in ConformanceTests).</summary>
public class LayerNormalizationGpuTests
{
    [Fact]
    public void LastAxisAsConvNeXtUsesIt() =>
        Same("LayerNormalization", [Random(41, 2, 7, 7, 96), Random(42, 96), Random(43, 96)], [Attr.Float("epsilon", 1e-6f)], opset: 17);

    [Fact]
    public void SeveralAxesWithStatisticsAndNoBias() =>
        Same("LayerNormalization", [Random(44, 3, 4, 5), Random(45, 4, 5)], [Attr.Int("axis", 1)], outputs: 3, opset: 17);

    [Fact]
    public void BroadcastScaleRunsOnTheHost() =>
        Same("LayerNormalization", [Random(46, 2, 3, 4), Random(47, 3, 1), Random(48, 4)], [Attr.Int("axis", -2)], opset: 17);
}
