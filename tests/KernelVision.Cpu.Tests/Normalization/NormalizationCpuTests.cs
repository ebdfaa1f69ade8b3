using KernelVision.Graph;
using KernelVision.Tensors;
using Xunit;
using static KernelVision.Cpu.Tests.CpuVsReference;

namespace KernelVision.Cpu.Tests.Normalization;

public class NormalizationCpuTests
{
    private static Tensor?[] BatchNormInputs(Random rng, int[] x, int[] stats, float meanRange = 1) =>
    [
        Random(rng, x), Random(rng, stats, 0.5f, 2f), Random(rng, stats, -1, 1),
        Random(rng, stats, -meanRange, meanRange), Random(rng, stats, 0.01f, 2f),
    ];

    [Fact]
    public void BatchNormalizationMatchesReference()
    {
        var rng = new Random(1);
        foreach (var shape in new[] { new[] { 2, 3, 5, 7 }, [1, 32, 56, 57], [4, 6], [2, 5, 9], [1, 3, 2, 3, 4] })
        {
            Check("BatchNormalization", BatchNormInputs(rng, shape, [shape[1]]));
            Check("BatchNormalization", BatchNormInputs(rng, shape, [shape[1]]), [Attr.Float("epsilon", 1e-3f)]);
        }
        // Mean far from zero next to a small variance: subtracting first keeps y accurate.
        Check("BatchNormalization", BatchNormInputs(rng, [1, 4, 9, 9], [4], meanRange: 50));
    }

    [Fact]
    public void LegacyBatchNormalizationForms()
    {
        var rng = new Random(2);
        Check("BatchNormalization", BatchNormInputs(rng, [2, 3, 4, 5], [3, 4, 5]), [Attr.Int("spatial", 0)], opset: 7);
        Check("BatchNormalization", BatchNormInputs(rng, [2, 3, 4, 5], [3]),
            [Attr.Int("is_test", 1), Attr.Ints("consumed_inputs", 0, 0, 0, 1, 1)], opset: 6);
        var d = new Tensor?[5];
        for (int i = 0; i < 5; i++)
        {
            d[i] = Tensor.Zeros(DataType.Float64, i == 0 ? [1, 2, 3] : [2]);
            for (int k = 0; k < d[i]!.Length; k++) d[i]!.Doubles[k] = 0.5 + 0.25 * k + i;
        }
        Check("BatchNormalization", d, exact: true);
        // Training mode (batch statistics) runs on the Reference kernel.
        Check("BatchNormalization", BatchNormInputs(rng, [2, 3, 4, 5], [3]),
            [Attr.Int("training_mode", 1), Attr.Float("momentum", 0.9f)], outputs: 3, opset: 15, exact: true);
    }

    [Fact]
    public void InstanceNormalizationMatchesReference()
    {
        var rng = new Random(3);
        foreach (var shape in new[] { new[] { 2, 3, 5, 7 }, [1, 8, 64, 65], [2, 4, 9], [1, 2, 3, 4, 5], [3, 2, 1, 1] })
        {
            int c = shape[1];
            Check("InstanceNormalization", [Random(rng, shape), Random(rng, [c], 0.5f, 2f), Random(rng, [c], -1, 1)], rtol: 2e-5);
            // An offset far larger than the spread: the double accumulation keeps the variance right.
            Check("InstanceNormalization", [Random(rng, shape, 99, 101), Random(rng, [c], 0.5f, 2f), Random(rng, [c], -1, 1)],
                [Attr.Float("epsilon", 1e-3f)], rtol: 2e-5);
        }
    }

    [Fact]
    public void LrnMatchesReference()
    {
        var rng = new Random(4);
        foreach (var shape in new[] { new[] { 2, 7, 5, 9 }, [1, 16, 40, 41], [2, 5, 11], [1, 3, 2, 2, 3] })
            foreach (int size in new[] { 1, 2, 3, 5, 8 })
            {
                Check("LRN", [Random(rng, shape)], [Attr.Int("size", size)], rtol: 2e-5);
                Check("LRN", [Random(rng, shape, -5, 5)], [Attr.Int("size", size), Attr.Float("alpha", 0.01f),
                    Attr.Float("beta", 0.6f), Attr.Float("bias", 2f)], rtol: 2e-5);
            }
    }
}
