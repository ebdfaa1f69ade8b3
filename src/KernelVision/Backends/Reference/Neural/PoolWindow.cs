using KernelVision.Ops.Neural;

namespace KernelVision.Backends.Reference.Neural;

/// <summary>
/// The taps of one pooling window that land inside the input, visited in row-major kernel order. The
/// window is clipped per axis first, so the cost is the taps that exist, not the kernel_shape: a
/// 2×65535 window over a 32-wide input (legal with SAME padding) costs 2×32 taps, not 131,070.
/// </summary>
internal sealed class PoolWindow(WindowGeometry g)
{
    private readonly int[] _first = new int[g.Rank], _last = new int[g.Rank], _k = new int[g.Rank];

    /// <summary>The input coordinates of the current tap (valid inside <see cref="ForEachTap"/>).</summary>
    public int[] Position { get; } = new int[g.Rank];

    /// <summary>
    /// Calls <paramref name="visit"/> once per input tap of output cell <paramref name="o"/>, with
    /// <see cref="Position"/> set; returns the number of taps.
    /// </summary>
    public long ForEachTap(int[] o, Action visit)
    {
        long count = 1;
        for (int a = 0; a < g.Rank; a++)
        {
            (_first[a], _last[a]) = TapRange(g, a, o[a], 0, g.InputSpatial[a]);
            if (_first[a] > _last[a]) return 0;
            count *= _last[a] - _first[a] + 1;
            _k[a] = _first[a];
        }
        while (true)
        {
            for (int a = 0; a < g.Rank; a++) Position[a] = Start(g, a, o[a]) + _k[a] * g.Dilations[a];
            visit();
            int axis = g.Rank - 1;
            while (axis >= 0 && _k[axis] == _last[axis]) { _k[axis] = _first[axis]; axis--; }
            if (axis < 0) return count;
            _k[axis]++;
        }
    }

    /// <summary>Taps of output cell <paramref name="o"/> inside the padded input [−pad_begin, input + pad_end) (count_include_pad's divisor).</summary>
    public long PaddedTaps(int[] o)
    {
        long count = 1;
        for (int a = 0; a < g.Rank; a++)
        {
            var (first, last) = TapRange(g, a, o[a], -g.PadsBegin[a], (long)g.InputSpatial[a] + g.PadsEnd[a]);
            if (first > last) return 0;
            count *= last - first + 1;
        }
        return count;
    }

    private static int Start(WindowGeometry g, int axis, int o) => o * g.Strides[axis] - g.PadsBegin[axis];

    /// <summary>Kernel indices k on <paramref name="axis"/> whose tap start + k·dilation lies in [lo, hi); empty when first > last.</summary>
    private static (int First, int Last) TapRange(WindowGeometry g, int axis, int o, long lo, long hi)
    {
        long start = (long)o * g.Strides[axis] - g.PadsBegin[axis];
        long d = g.Dilations[axis];
        long first = Math.Max(0, CeilDiv(lo - start, d));
        long last = Math.Min(g.Kernel[axis] - 1L, FloorDiv(hi - 1 - start, d));
        return first > last ? (1, 0) : ((int)first, (int)last);
    }

    private static long FloorDiv(long a, long b) => a >= 0 ? a / b : -((-a + b - 1) / b);

    private static long CeilDiv(long a, long b) => -FloorDiv(-a, b);
}
