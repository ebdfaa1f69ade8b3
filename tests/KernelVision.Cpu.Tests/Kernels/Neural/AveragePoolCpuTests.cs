using KernelVision.Graph;
using KernelVision.Tensors;
using Xunit;
using static KernelVision.Cpu.Tests.CpuVsReference;
using static KernelVision.Cpu.Tests.Kernels.Neural.PoolCheck;
using OnnxAttribute = KernelVision.Graph.Attribute;

namespace KernelVision.Cpu.Tests.Kernels.Neural;

public class AveragePoolCpuTests
{
    [Theory]
    [MemberData(nameof(Windows2D), MemberType = typeof(PoolCheck))]
    public void AveragePool2DMatchesReference(long[] kernel, long[] strides, long[] pads, long[] dilations, int ceil)
    {
        var rng = new Random((int)(kernel.Sum() * 5 + strides.Sum()) + ceil);
        foreach (var shape in Shapes2D)
        {
            if (!Fits(shape, kernel, pads, dilations)) continue;
            var x = Random(rng, shape);
            foreach (int include in new[] { 0, 1 })
            {
                var attrs = Attrs(kernel, strides, pads, dilations, ceil);
                attrs.Add(Attr.Int("count_include_pad", include));
                Check("AveragePool", [x], attrs);
            }
        }
    }

    [Theory]
    [InlineData("SAME_UPPER")]
    [InlineData("SAME_LOWER")]
    [InlineData("VALID")]
    public void AutoPadMatchesReference(string autoPad)
    {
        var rng = new Random(autoPad.Length);
        var x = Random(rng, [2, 3, 15, 22]);
        foreach (long s in new long[] { 1, 2 })
        {
            OnnxAttribute[] attrs = [Attr.Ints("kernel_shape", 3, 3), Attr.Ints("strides", s, s), Attr.String("auto_pad", autoPad)];
            Check("AveragePool", [x], attrs);
            Check("AveragePool", [x], [.. attrs, Attr.Int("count_include_pad", 1)]);
        }
    }

    [Fact]
    public void ResNetSizedPoolIsThreaded()
    {
        var x = Random(new Random(3), [1, 64, 112, 112]);
        Check("AveragePool", [x], [Attr.Ints("kernel_shape", 2, 2), Attr.Ints("strides", 2, 2)]);
    }

    [Fact]
    public void PaddingWiderThanTheWindowGivesEmptyWindows()
    {
        var x = Random(new Random(4), [1, 2, 3, 3]);
        OnnxAttribute[] attrs = [Attr.Ints("kernel_shape", 2, 2), Attr.Ints("strides", 1, 1), Attr.Ints("pads", 2, 2, 2, 2)];
        Check("AveragePool", [x], attrs);
        Check("AveragePool", [x], [.. attrs, Attr.Int("count_include_pad", 1)]);
    }

    [Fact]
    public void OneAndThreeDimensionalPools()
    {
        var rng = new Random(5);
        var x1 = Random(rng, [2, 3, 19]);
        OnnxAttribute[] a1 = [Attr.Ints("kernel_shape", 3), Attr.Ints("strides", 2), Attr.Ints("pads", 1, 2), Attr.Int("ceil_mode", 1)];
        Check("AveragePool", [x1], a1);
        Check("AveragePool", [x1], [.. a1, Attr.Int("count_include_pad", 1)]);

        var x3 = Random(rng, [1, 2, 7, 8, 9]);
        OnnxAttribute[] a3 = [Attr.Ints("kernel_shape", 2, 3, 2), Attr.Ints("strides", 2, 1, 2), Attr.Ints("pads", 1, 0, 1, 0, 1, 1),
            Attr.Ints("dilations", 1, 2, 1), Attr.Int("ceil_mode", 1)];
        Check("AveragePool", [x3], a3);
        Check("AveragePool", [x3], [.. a3, Attr.Int("count_include_pad", 1)]);
    }

    [Fact]
    public void Float64RunsOnTheReferenceKernel()
    {
        var d = Tensor.Zeros(DataType.Float64, [1, 1, 4, 4]);
        for (int i = 0; i < 16; i++) d.Doubles[i] = i * 0.25 - 1;
        Check("AveragePool", [d], [Attr.Ints("kernel_shape", 2, 2), Attr.Ints("pads", 1, 1, 0, 0)], exact: true);
    }
}
