using ILGPU;
using KernelVision.Gpu.Device;
using KernelVision.Ops.Neural;

namespace KernelVision.Gpu.Kernels.Neural;

/// <summary>Shared launch of the pooling kernel.</summary>
internal static class PoolSetup
{
    public static PoolArgs Args(WindowGeometry g, ArrayView<float> x, ArrayView<float> y, bool isMax, bool countIncludePad)
    {
        var w3 = g.To3D();
        var (i, o, k, s, d) = (w3.InputSpatial, w3.OutputSpatial, w3.Kernel, w3.Strides, w3.Dilations);
        var (pb, pe) = (w3.PadsBegin, w3.PadsEnd);
        return new PoolArgs
        {
            X = x, Y = y, ID = i[0], IH = i[1], IW = i[2], OD = o[0], OH = o[1], OW = o[2],
            KD = k[0], KH = k[1], KW = k[2], SD = s[0], SH = s[1], SW = s[2], DD = d[0], DH = d[1], DW = d[2],
            PD = pb[0], PH = pb[1], PW = pb[2],
            EndD = i[0] + pb[0] + pe[0], EndH = i[1] + pb[1] + pe[1], EndW = i[2] + pb[2] + pe[2],
            IsMax = isMax ? 1 : 0, CountIncludePad = countIncludePad ? 1 : 0,
        };
    }
}
