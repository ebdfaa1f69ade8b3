using KernelVision.Graph;
using Xunit;
using OnnxAttribute = KernelVision.Graph.Attribute;

namespace KernelVision.Cpu.Tests.Kernels.Neural;

/// <summary>The 2-D window configurations and input shapes that MaxPool and AveragePool are both checked on.</summary>
internal static class PoolCheck
{
    public static readonly int[][] Shapes2D = [[1, 3, 17, 23], [2, 5, 32, 33], [1, 1, 2, 2], [1, 2, 5, 40]];

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

    public static List<OnnxAttribute> Attrs(long[] kernel, long[] strides, long[] pads, long[] dilations, int ceil) =>
        [Attr.Ints("kernel_shape", kernel), Attr.Ints("strides", strides), Attr.Ints("pads", pads),
         Attr.Ints("dilations", dilations), Attr.Int("ceil_mode", ceil)];

    public static bool Fits(int[] shape, long[] kernel, long[] pads, long[] dilations)
    {
        for (int a = 0; a < 2; a++)
            if (shape[2 + a] + pads[a] + pads[2 + a] < (kernel[a] - 1) * dilations[a] + 1) return false;
        return true;
    }
}
