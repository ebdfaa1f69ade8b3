using KernelVision.Graph;
using KernelVision.Tensors;
using Xunit;
using static KernelVision.Cpu.Tests.CpuVsReference;

namespace KernelVision.Cpu.Tests.Kernels.Neural;

public class BatchNormalizationCpuTests
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
}
