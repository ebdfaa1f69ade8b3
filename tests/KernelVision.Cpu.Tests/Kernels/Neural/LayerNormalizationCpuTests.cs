using KernelVision.Graph;
using KernelVision.Tensors;
using Xunit;
using static KernelVision.Cpu.Tests.CpuVsReference;

namespace KernelVision.Cpu.Tests.Kernels.Neural;

public class LayerNormalizationCpuTests
{
    [Fact]
    public void LayerNormalizationMatchesReference()
    {
        var rng = new Random(17);
        // ConvNeXt's channels-last LayerNorm, a transformer's [tokens, D], axis 1 of NCHW, ragged rows.
        foreach (var (shape, axis) in new[] { (new[] { 2, 7, 7, 96 }, -1L), ([3, 50, 768], -1), ([2, 3, 5, 7], 1), ([5, 33], 0), ([4, 1, 3], 2) })
        {
            int r = shape.Length, a = (int)(axis < 0 ? axis + r : axis);
            var normalized = shape[a..];
            Check("LayerNormalization", [Random(rng, shape), Random(rng, normalized, 0.5f, 2f), Random(rng, normalized, -1, 1)],
                [Attr.Int("axis", axis)], outputs: 3, opset: 17, rtol: 2e-5);
            // No B; an offset far larger than the spread (the double accumulation keeps the variance right).
            Check("LayerNormalization", [Random(rng, shape, 99, 101), Random(rng, normalized, 0.5f, 2f)],
                [Attr.Int("axis", axis), Attr.Float("epsilon", 1e-3f)], opset: 17, rtol: 2e-5);
        }
    }

    [Fact]
    public void BroadcastScaleAndBias()
    {
        var rng = new Random(18);
        Check("LayerNormalization", [Random(rng, [2, 3, 4]), Random(rng, [3, 1]), Random(rng, [4])], [Attr.Int("axis", 1)], opset: 17, rtol: 2e-5);
    }

    [Fact]
    public void Float64StatisticsRunOnTheReferenceKernel()
    {
        var rng = new Random(19);
        Check("LayerNormalization", [Random(rng, [2, 6]), Random(rng, [6])], [Attr.Int("stash_type", 11)], outputs: 3, opset: 17, rtol: 2e-5);
    }
}
