using KernelVision.Ops.Neural;
using KernelVision.Tensors;

namespace KernelVision.Cpu.Pool;

/// <summary>
/// A pooling window resolved for one input shape, as per-axis lookup tables: for every output
/// coordinate, where its window starts in the input and which of its taps land on real input (and,
/// for count_include_pad, on the padded input). Kernels then loop over exactly the valid taps, with
/// no per-tap bounds test. Built once per input shape and cached by the kernel.
/// </summary>
internal sealed class PoolPlan
{
    /// <summary>The op's resolved geometry.</summary>
    public WindowGeometry Geometry { get; }
    /// <summary>Full input shape [N, C, D1..Dn].</summary>
    public int[] InputShape { get; }
    /// <summary>N·C.</summary>
    public int Planes { get; }
    /// <summary>Spatial axes.</summary>
    public int Rank => Geometry.Rank;
    /// <summary>Input plane strides per spatial axis (row-major).</summary>
    public int[] InputStrides { get; }
    /// <summary>Per axis, per output coordinate: input coordinate of tap 0 (o·stride − pad_begin; may be negative).</summary>
    public int[][] Origin { get; }
    /// <summary>Per axis, per output coordinate: first tap on real input.</summary>
    public int[][] First { get; }
    /// <summary>Per axis, per output coordinate: one past the last tap on real input (≤ First when none).</summary>
    public int[][] End { get; }
    /// <summary>Per axis, per output coordinate: taps inside the padded input (count_include_pad's divisor factor).</summary>
    public int[][] Padded { get; }
    /// <summary>Per axis: the output coordinates [lo, hi) whose whole window lies on real input.</summary>
    public (int Lo, int Hi)[] Interior { get; }
    /// <summary>
    /// Last axis, per output column: input taps (End − First) as floats, then 1s up to at least 16
    /// entries, so a vector of divisors can be loaded at any column a 16-wide step starts on.
    /// </summary>
    public float[] ColumnTaps { get; }
    /// <summary>As <see cref="ColumnTaps"/> with the padded tap counts (count_include_pad).</summary>
    public float[] ColumnPaddedTaps { get; }

    /// <summary>Resolves <paramref name="op"/> for an input of <paramref name="inputShape"/>.</summary>
    public PoolPlan(PoolOp op, int[] inputShape)
    {
        InputShape = (int[])inputShape.Clone();
        Geometry = op.Resolve(inputShape);
        var g = Geometry;
        Planes = inputShape[0] * inputShape[1];
        InputStrides = ShapeUtil.Strides(g.InputSpatial);
        int rank = g.Rank;
        Origin = new int[rank][];
        First = new int[rank][];
        End = new int[rank][];
        Padded = new int[rank][];
        Interior = new (int, int)[rank];
        for (int a = 0; a < rank; a++)
        {
            int outLen = g.OutputSpatial[a], inLen = g.InputSpatial[a], k = g.Kernel[a];
            int s = g.Strides[a], d = g.Dilations[a], pb = g.PadsBegin[a], pe = g.PadsEnd[a];
            Origin[a] = new int[outLen];
            First[a] = new int[outLen];
            End[a] = new int[outLen];
            Padded[a] = new int[outLen];
            int lo = outLen, hi = 0;
            for (int o = 0; o < outLen; o++)
            {
                long origin = (long)o * s - pb;
                Origin[a][o] = (int)origin;
                var (f, e) = TapRange(origin, 0, inLen, k, d);
                First[a][o] = f;
                End[a][o] = e;
                var (pf, pe2) = TapRange(origin, -pb, (long)inLen + pe, k, d);
                Padded[a][o] = pe2 - pf;
                if (f == 0 && e == k)
                {
                    lo = Math.Min(lo, o);
                    hi = Math.Max(hi, o + 1);
                }
            }
            Interior[a] = lo < hi ? (lo, hi) : (0, 0);
        }
        int last = rank - 1, columns = g.OutputSpatial[last];
        ColumnTaps = new float[Math.Max(columns, 16)];
        ColumnPaddedTaps = new float[ColumnTaps.Length];
        for (int o = 0; o < ColumnTaps.Length; o++)
        {
            ColumnTaps[o] = o < columns ? End[last][o] - First[last][o] : 1;
            ColumnPaddedTaps[o] = o < columns ? Padded[last][o] : 1;
        }
    }

    /// <summary>True when this plan was built for <paramref name="inputShape"/>.</summary>
    public bool Fits(int[] inputShape) => ShapeUtil.Same(InputShape, inputShape);

    /// <summary>Taps k in [0, kernel) with lo ≤ origin + k·dilation &lt; hi, as [first, end).</summary>
    private static (int First, int End) TapRange(long origin, long lo, long hi, int kernel, int dilation)
    {
        // k ≥ ceil((lo − origin) / d) and k ≤ floor((hi − 1 − origin) / d)
        long first = Math.Max(0, CeilDiv(lo - origin, dilation));
        long last = FloorDiv(hi - 1 - origin, dilation);
        long end = Math.Min(kernel, last + 1);
        if (end < first) end = first;
        return ((int)Math.Min(first, kernel), (int)Math.Max(Math.Min(end, kernel), Math.Min(first, kernel)));
    }

    private static long FloorDiv(long a, long b) => a >= 0 ? a / b : -((-a + b - 1) / b);
    private static long CeilDiv(long a, long b) => -FloorDiv(-a, b);
}
