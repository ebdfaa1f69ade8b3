using KernelVision.Graph;
using KernelVision.Tensors;
using Xunit;
using static KernelVision.Cpu.Tests.CpuVsReference;

namespace KernelVision.Cpu.Tests.Kernels.Layout;

public class UpsampleCpuTests
{
    private static Tensor F(params float[] v) => Tensor.FromFloats([v.Length], v);

    [Fact]
    public void UpsampleMatchesReference()
    {
        var rng = new Random(11);
        var x = Random(rng, [2, 3, 5, 7]);
        Check("Upsample", [x, F(1, 1, 2, 2)], opset: 9, exact: true);
        Check("Upsample", [x, F(1, 1, 2.5f, 1.5f)], [Attr.String("mode", "linear")], opset: 9);
        Check("Upsample", [x], [Attr.Floats("scales", 1, 1, 3, 2)], opset: 7, exact: true);
        Check("Upsample", [x], [Attr.String("mode", "bilinear"), Attr.Floats("scales", 1, 1, 2, 2)], opset: 8);
        Check("Upsample", [RandomInts(rng, DataType.Int64, [1, 1, 3, 4], 0, 50), F(1, 1, 2, 3)], opset: 9, exact: true);
    }
}
