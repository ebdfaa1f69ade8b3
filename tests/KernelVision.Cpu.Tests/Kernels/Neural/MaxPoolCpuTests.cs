using KernelVision.Graph;
using KernelVision.Tensors;
using Xunit;
using static KernelVision.Cpu.Tests.CpuVsReference;
using static KernelVision.Cpu.Tests.Kernels.Neural.PoolCheck;

namespace KernelVision.Cpu.Tests.Kernels.Neural;

public class MaxPoolCpuTests
{
    [Theory]
    [MemberData(nameof(Windows2D), MemberType = typeof(PoolCheck))]
    public void MaxPool2DMatchesReference(long[] kernel, long[] strides, long[] pads, long[] dilations, int ceil)
    {
        var rng = new Random((int)(kernel.Sum() * 7 + strides.Sum()) + ceil);
        foreach (var shape in Shapes2D)
            if (Fits(shape, kernel, pads, dilations))
                Check("MaxPool", [Random(rng, shape)], Attrs(kernel, strides, pads, dilations, ceil), exact: true);
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
            Check("MaxPool", [x], [Attr.Ints("kernel_shape", 3, 3), Attr.Ints("strides", s, s), Attr.String("auto_pad", autoPad)], exact: true);
    }

    [Fact]
    public void ResNetStemPoolIsThreadedAndExact()
    {
        var x = Random(new Random(3), [1, 64, 112, 112]);
        Check("MaxPool", [x], [Attr.Ints("kernel_shape", 3, 3), Attr.Ints("strides", 2, 2), Attr.Ints("pads", 1, 1, 1, 1)], exact: true);
    }

    [Fact]
    public void MaxPoolNaNAndInfinityFollowTheReferenceRule()
    {
        // NaN taps never win; a window of only NaN gives NaN; -inf is an ordinary value.
        float nan = float.NaN, ninf = float.NegativeInfinity;
        var x = Tensor.FromFloats([1, 1, 4, 20],
        [
            nan, nan, 1, nan, ninf, ninf, 3, nan, nan, nan, nan, nan, 2, 5, ninf, nan, 7, 7, nan, 0,
            nan, nan, 2, nan, ninf, ninf, nan, nan, nan, nan, nan, nan, 1, 4, ninf, ninf, 1, 8, nan, -1,
            ninf, nan, nan, nan, nan, nan, nan, nan, nan, nan, ninf, ninf, 0, 0, nan, 0, nan, nan, nan, nan,
            nan, nan, nan, nan, nan, nan, nan, nan, nan, nan, ninf, nan, ninf, 2, nan, 3, nan, nan, nan, nan,
        ]);
        foreach (long s in new long[] { 1, 2 })
            Check("MaxPool", [x], [Attr.Ints("kernel_shape", 2, 2), Attr.Ints("strides", s, s)], exact: true);
        Check("MaxPool", [x], [Attr.Ints("kernel_shape", 2, 2), Attr.Ints("strides", 2, 2)], outputs: 2, exact: true);
    }

    [Fact]
    public void PaddingWiderThanTheWindowGivesEmptyWindows()
    {
        var x = Random(new Random(4), [1, 2, 3, 3]);
        Check("MaxPool", [x], [Attr.Ints("kernel_shape", 2, 2), Attr.Ints("strides", 1, 1), Attr.Ints("pads", 2, 2, 2, 2)], exact: true);
    }

    [Fact]
    public void OneAndThreeDimensionalPools()
    {
        var rng = new Random(5);
        Check("MaxPool", [Random(rng, [2, 3, 19])], [Attr.Ints("kernel_shape", 3), Attr.Ints("strides", 2), Attr.Ints("pads", 1, 2),
            Attr.Int("ceil_mode", 1)], exact: true);
        Check("MaxPool", [Random(rng, [1, 2, 7, 8, 9])], [Attr.Ints("kernel_shape", 2, 3, 2), Attr.Ints("strides", 2, 1, 2),
            Attr.Ints("pads", 1, 0, 1, 0, 1, 1), Attr.Ints("dilations", 1, 2, 1), Attr.Int("ceil_mode", 1)], exact: true);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    public void MaxPoolIndicesInBothStorageOrders(int order)
    {
        var rng = new Random(6 + order);
        var x2 = Random(rng, [2, 3, 9, 11]);
        Check("MaxPool", [x2], [Attr.Ints("kernel_shape", 3, 3), Attr.Ints("strides", 2, 2), Attr.Ints("pads", 1, 1, 1, 1),
            Attr.Int("storage_order", order)], outputs: 2, exact: true);
        var x3 = Random(rng, [1, 2, 5, 6, 7]);
        Check("MaxPool", [x3], [Attr.Ints("kernel_shape", 2, 2, 3), Attr.Ints("strides", 1, 2, 2), Attr.Int("ceil_mode", 1),
            Attr.Int("storage_order", order)], outputs: 2, exact: true);
    }

    [Fact]
    public void OtherElementTypesRunOnTheReferenceKernel()
    {
        var u8 = RandomInts(new Random(7), DataType.UInt8, [1, 2, 6, 6], 0, 256);
        Check("MaxPool", [u8], [Attr.Ints("kernel_shape", 2, 2), Attr.Ints("strides", 2, 2)], exact: true);
    }
}
