using KernelVision.Graph;
using KernelVision.Tensors;
using Xunit;
using static KernelVision.Cpu.Tests.CpuVsReference;
using OnnxAttribute = KernelVision.Graph.Attribute;

namespace KernelVision.Cpu.Tests.Pooling;

public class PoolingCpuTests
{
    private static readonly int[][] Shapes2D = [[1, 3, 17, 23], [2, 5, 32, 33], [1, 1, 2, 2], [1, 2, 5, 40]];

    /// <summary>Window configurations: kernel, strides, pads (begin h, w, end h, w), dilations, ceil_mode.</summary>
    public static TheoryData<long[], long[], long[], long[], int> Windows2D() => new()
    {
        { [2, 2], [2, 2], [0, 0, 0, 0], [1, 1], 0 },
        { [3, 3], [2, 2], [1, 1, 1, 1], [1, 1], 0 },
        { [3, 3], [1, 1], [1, 1, 1, 1], [1, 1], 0 },
        { [3, 3], [1, 1], [0, 0, 0, 0], [1, 1], 0 },
        { [2, 2], [2, 2], [0, 0, 0, 0], [1, 1], 1 },
        { [3, 3], [2, 2], [1, 1, 1, 1], [1, 1], 1 },
        { [3, 2], [2, 1], [1, 0, 2, 1], [1, 1], 1 },
        { [3, 3], [1, 2], [2, 2, 2, 2], [2, 2], 0 },
        { [2, 3], [3, 3], [1, 2, 1, 2], [1, 1], 1 },
        { [5, 5], [1, 1], [2, 2, 2, 2], [1, 1], 0 },
        { [1, 1], [2, 2], [0, 0, 0, 0], [1, 1], 0 },
        { [2, 2], [1, 2], [1, 1, 1, 1], [1, 2], 1 },
    };

    private static List<OnnxAttribute> Attrs(long[] kernel, long[] strides, long[] pads, long[] dilations, int ceil) =>
        [Attr.Ints("kernel_shape", kernel), Attr.Ints("strides", strides), Attr.Ints("pads", pads),
         Attr.Ints("dilations", dilations), Attr.Int("ceil_mode", ceil)];

    private static bool Fits(int[] shape, long[] kernel, long[] pads, long[] dilations)
    {
        for (int a = 0; a < 2; a++)
            if (shape[2 + a] + pads[a] + pads[2 + a] < (kernel[a] - 1) * dilations[a] + 1) return false;
        return true;
    }

    [Theory]
    [MemberData(nameof(Windows2D))]
    public void MaxPool2DMatchesReference(long[] kernel, long[] strides, long[] pads, long[] dilations, int ceil)
    {
        var rng = new Random((int)(kernel.Sum() * 7 + strides.Sum()) + ceil);
        foreach (var shape in Shapes2D)
            if (Fits(shape, kernel, pads, dilations))
                Check("MaxPool", [Random(rng, shape)], Attrs(kernel, strides, pads, dilations, ceil), exact: true);
    }

    [Theory]
    [MemberData(nameof(Windows2D))]
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
            Check("MaxPool", [x], attrs, exact: true);
            Check("AveragePool", [x], attrs);
            Check("AveragePool", [x], [.. attrs, Attr.Int("count_include_pad", 1)]);
        }
    }

    [Fact]
    public void ResNetStemPoolIsThreadedAndExact()
    {
        var x = Random(new Random(3), [1, 64, 112, 112]);
        Check("MaxPool", [x], [Attr.Ints("kernel_shape", 3, 3), Attr.Ints("strides", 2, 2), Attr.Ints("pads", 1, 1, 1, 1)], exact: true);
        Check("AveragePool", [x], [Attr.Ints("kernel_shape", 2, 2), Attr.Ints("strides", 2, 2)]);
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
        OnnxAttribute[] attrs = [Attr.Ints("kernel_shape", 2, 2), Attr.Ints("strides", 1, 1), Attr.Ints("pads", 2, 2, 2, 2)];
        Check("MaxPool", [x], attrs, exact: true);
        Check("AveragePool", [x], attrs);
        Check("AveragePool", [x], [.. attrs, Attr.Int("count_include_pad", 1)]);
    }

    [Fact]
    public void OneAndThreeDimensionalPools()
    {
        var rng = new Random(5);
        var x1 = Random(rng, [2, 3, 19]);
        OnnxAttribute[] a1 = [Attr.Ints("kernel_shape", 3), Attr.Ints("strides", 2), Attr.Ints("pads", 1, 2), Attr.Int("ceil_mode", 1)];
        Check("MaxPool", [x1], a1, exact: true);
        Check("AveragePool", [x1], a1);
        Check("AveragePool", [x1], [.. a1, Attr.Int("count_include_pad", 1)]);

        var x3 = Random(rng, [1, 2, 7, 8, 9]);
        OnnxAttribute[] a3 = [Attr.Ints("kernel_shape", 2, 3, 2), Attr.Ints("strides", 2, 1, 2), Attr.Ints("pads", 1, 0, 1, 0, 1, 1),
            Attr.Ints("dilations", 1, 2, 1), Attr.Int("ceil_mode", 1)];
        Check("MaxPool", [x3], a3, exact: true);
        Check("AveragePool", [x3], a3);
        Check("AveragePool", [x3], [.. a3, Attr.Int("count_include_pad", 1)]);
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
        var rng = new Random(7);
        var u8 = RandomInts(rng, DataType.UInt8, [1, 2, 6, 6], 0, 256);
        Check("MaxPool", [u8], [Attr.Ints("kernel_shape", 2, 2), Attr.Ints("strides", 2, 2)], exact: true);
        var d = Tensor.Zeros(DataType.Float64, [1, 1, 4, 4]);
        for (int i = 0; i < 16; i++) d.Doubles[i] = i * 0.25 - 1;
        Check("AveragePool", [d], [Attr.Ints("kernel_shape", 2, 2), Attr.Ints("pads", 1, 1, 0, 0)], exact: true);
        Check("GlobalAveragePool", [d], exact: true);
        Check("GlobalMaxPool", [d], exact: true);
    }

    [Fact]
    public void GlobalPoolsMatchReference()
    {
        var rng = new Random(8);
        foreach (var shape in new[] { new[] { 2, 3, 5, 7 }, [1, 1280, 7, 7], [2, 3, 4], [1, 2, 3, 4, 5], [1, 4, 56, 56], [1, 3, 1, 1] })
        {
            var x = Random(rng, shape);
            Check("GlobalAveragePool", [x]);
            Check("GlobalMaxPool", [x], exact: true);
        }
        var withNaN = Tensor.FromFloats([1, 2, 3], [1, float.NaN, 2, float.NegativeInfinity, -5, 4]);
        Check("GlobalMaxPool", [withNaN], exact: true);
        Check("GlobalAveragePool", [withNaN]);
    }
}
