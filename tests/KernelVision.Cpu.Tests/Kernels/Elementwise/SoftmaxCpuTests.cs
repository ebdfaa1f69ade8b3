using KernelVision.Graph;
using KernelVision.Tensors;
using Xunit;
using static KernelVision.Cpu.Tests.CpuVsReference;

namespace KernelVision.Cpu.Tests.Kernels.Elementwise;

public class SoftmaxCpuTests
{
    public static TheoryData<int[], int, int> SoftmaxCases() => new()
    {
        { [3, 1000], -1, 13 },
        { [2, 3, 17], -1, 13 },
        { [1, 1], 0, 13 },
        { [64, 1001], 1, 13 },
        { [2, 19, 7, 9], 1, 13 },
        { [1, 21, 40, 40], 1, 13 },
        { [3, 5, 6], 0, 13 },
        { [2, 3, 4, 5], 1, 11 },
        { [2, 3, 4, 5], 2, 11 },
        { [2, 3, 4, 5], 0, 11 },
    };

    [Theory]
    [MemberData(nameof(SoftmaxCases))]
    public void SoftmaxAndLogSoftmaxMatchReference(int[] shape, int axis, int opset)
    {
        var rng = new Random(shape.Sum() + axis);
        var x = Random(rng, shape, -8, 8);
        var big = Random(rng, shape, -300, 300); // large logits: the max shift must keep exp finite
        foreach (var op in new[] { "Softmax", "LogSoftmax" })
        {
            Check(op, [x], [Attr.Int("axis", axis)], opset: opset, rtol: 1e-5);
            Check(op, [big], [Attr.Int("axis", axis)], opset: opset, rtol: 1e-5);
        }
    }
}
