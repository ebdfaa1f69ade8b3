using KernelVision.Ops.Neural;

namespace KernelVision.Gpu.Kernels.Neural;

/// <summary>The conversion of a window geometry into the 3-D form every windowed device kernel takes.</summary>
internal static class WindowGeometry3D
{
    /// <summary>
    /// <paramref name="g"/> with every per-axis array padded to [D, H, W] by leading axes of extent 1,
    /// stride 1, dilation 1 and no padding, so 1-D and 2-D convolutions and pools run as 3-D ones
    /// (sizes and products are unchanged).
    /// </summary>
    public static WindowGeometry To3D(this WindowGeometry g) => new(
        To3(g.InputSpatial, 1), To3(g.OutputSpatial, 1), To3(g.Kernel, 1), To3(g.Strides, 1),
        To3(g.Dilations, 1), To3(g.PadsBegin, 0), To3(g.PadsEnd, 0));

    private static int[] To3(int[] v, int fill)
    {
        var r = new[] { fill, fill, fill };
        for (int i = 0; i < v.Length; i++) r[3 - v.Length + i] = v[i];
        return r;
    }
}
