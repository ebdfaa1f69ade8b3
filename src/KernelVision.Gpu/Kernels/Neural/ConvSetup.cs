using ILGPU;
using KernelVision.Gpu.Device;
using KernelVision.Ops;
using KernelVision.Ops.Neural;

namespace KernelVision.Gpu.Kernels.Neural;

/// <summary>Set-up of Conv launches.</summary>
internal static class ConvSetup
{
    /// <summary>The GEMM problem for a forward convolution, spatial axes padded to 3 (KTab still to be set).</summary>
    public static ConvProblem Problem(WindowGeometry g, int batch, int cin, int group, int mg,
        ArrayView<float> x, ArrayView<float> w, ArrayView<float>? bias, ArrayView<float> y, FusedActivation act)
    {
        var w3 = g.To3D();
        var (i, o, k, s, d, p) = (w3.InputSpatial, w3.OutputSpatial, w3.Kernel, w3.Strides, w3.Dilations, w3.PadsBegin);
        int cg = cin / group;
        return new ConvProblem
        {
            X = x, W = w, Bias = bias ?? w, Y = y, HasBias = bias is null ? 0 : 1,
            Cin = cin, Cg = cg, Mg = mg, Cout = mg * group,
            ID = i[0], IH = i[1], IW = i[2], OD = o[0], OH = o[1], OW = o[2],
            KD = k[0], KH = k[1], KW = k[2], SD = s[0], SH = s[1], SW = s[2],
            DD = d[0], DH = d[1], DW = d[2], PD = p[0], PH = p[1], PW = p[2],
            Mv = mg, Nv = batch * g.OutputSize, Kv = cg * g.KernelSize,
            ActKind = (int)act.Kind, ActA = act.Alpha, ActB = act.Beta,
        };
    }

    /// <summary>
    /// The per-k table of a forward convolution's B loader (<see cref="ConvProblem.KTab"/>): for k =
    /// (c, kd, kh, kw) in weight order, the input offset of that channel and tap relative to the window
    /// origin, and the tap's offsets along each axis (for the bounds check).
    /// </summary>
    public static int[] KTable(ConvProblem p)
    {
        int taps = p.KD * p.KH * p.KW;
        var t = new int[Math.Max(1, p.Cg * taps) * 4];
        int plane = p.ID * p.IH * p.IW, i = 0;
        for (int c = 0; c < p.Cg; c++)
            for (int kd = 0; kd < p.KD; kd++)
                for (int kh = 0; kh < p.KH; kh++)
                    for (int kw = 0; kw < p.KW; kw++)
                    {
                        int dd = kd * p.DD, dh = kh * p.DH, dw = kw * p.DW;
                        t[i++] = c * plane + dd * p.IH * p.IW + dh * p.IW + dw;
                        t[i++] = dd;
                        t[i++] = dh;
                        t[i++] = dw;
                    }
        return t;
    }
}
