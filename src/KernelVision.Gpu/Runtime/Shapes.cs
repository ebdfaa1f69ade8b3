using KernelVision.Gpu.Device;
using KernelVision.Tensors;

namespace KernelVision.Gpu.Runtime;

/// <summary>Host-side helpers that turn shapes into device argument structs.</summary>
internal static class Shapes
{
    /// <summary>Most dims <see cref="Dims6"/> describes.</summary>
    public const int MaxRank = 6;

    /// <summary>A 6-d box: <paramref name="dims"/> (rank ≤ 6, left-padded with 1) with strides <paramref name="s"/> and <paramref name="t"/>.</summary>
    public static Dims6 Box(int[] dims, int[] s, int[]? t = null, int baseS = 0, int baseT = 0)
    {
        if (dims.Length > MaxRank) throw new InvalidOperationException($"rank {dims.Length} exceeds {MaxRank}");
        var d = new int[MaxRank];
        var ss = new int[MaxRank];
        var ts = new int[MaxRank];
        int off = MaxRank - dims.Length;
        for (int i = 0; i < MaxRank; i++) d[i] = 1;
        for (int i = 0; i < dims.Length; i++)
        {
            d[off + i] = dims[i];
            ss[off + i] = s[i];
            ts[off + i] = t is null ? 0 : t[i];
        }
        return new Dims6
        {
            D0 = d[0], D1 = d[1], D2 = d[2], D3 = d[3], D4 = d[4], D5 = d[5],
            S0 = ss[0], S1 = ss[1], S2 = ss[2], S3 = ss[3], S4 = ss[4], S5 = ss[5],
            T0 = ts[0], T1 = ts[1], T2 = ts[2], T3 = ts[3], T4 = ts[4], T5 = ts[5],
            BaseS = baseS, BaseT = baseT,
        };
    }

    /// <summary>Row-major strides.</summary>
    public static int[] Strides(int[] shape) => ShapeUtil.Strides(shape);

    /// <summary>
    /// Merges adjacent axes that stay contiguous in both stride sets (so rank-7+ copies that are
    /// really lower-rank still fit <see cref="Dims6"/>, and kernels do fewer divisions).
    /// </summary>
    public static (int[] Dims, int[] S, int[] T) Coalesce(int[] dims, int[] s, int[] t)
    {
        var rd = new List<int>(); var rs = new List<int>(); var rt = new List<int>();
        for (int i = 0; i < dims.Length; i++)
        {
            if (dims[i] == 1) continue;
            if (rd.Count > 0 && rs[^1] == s[i] * dims[i] && rt[^1] == t[i] * dims[i])
            {
                rd[^1] *= dims[i];
                rs[^1] = s[i];
                rt[^1] = t[i];
                continue;
            }
            rd.Add(dims[i]); rs.Add(s[i]); rt.Add(t[i]);
        }
        if (rd.Count == 0) { rd.Add(1); rs.Add(0); rt.Add(0); }
        return (rd.ToArray(), rs.ToArray(), rt.ToArray());
    }
}
