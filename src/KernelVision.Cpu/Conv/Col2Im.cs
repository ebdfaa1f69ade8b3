using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using KernelVision.Ops;

namespace KernelVision.Cpu.Conv;

/// <summary>
/// The scatter half of a 2-D (or 1-D) ConvTranspose done as GEMM + col2im. The GEMM leaves, for
/// one output channel, KH·KW rows of "column" values, one per input cell; tap (kh, kw) of input
/// cell (ih, iw) adds into the full (uncropped) output at (ih·SH + kh·DH, iw·SW + kw·DW).
/// To keep the adds contiguous for any stride, the channel accumulates in a scratch plane whose
/// rows are split into SW phases along the width (full column fw lives in phase fw mod SW at
/// index fw / SW): then one tap's contribution to one row is a straight vector add of W values.
/// <see cref="Finish"/> crops by the pads, re-interleaves the phases, adds the bias and applies
/// the activation, writing each output element once.
/// </summary>
public sealed unsafe class Col2Im
{
    private const int V = 8;
    private readonly ConvShape _s;
    private readonly int _lw;
    private readonly int[] _tapOff; // per kw: phase·Lw + index offset

    /// <summary>Prepares col2im for the 1-D/2-D ConvTranspose <paramref name="shape"/>.</summary>
    public Col2Im(ConvShape shape)
    {
        if (!shape.Is2D) throw new ArgumentException("Col2Im needs a 1-D or 2-D shape", nameof(shape));
        _s = shape;
        _lw = shape.W + (shape.KW - 1) * shape.DW / shape.SW;
        RowStride = shape.SW * _lw;
        _tapOff = new int[shape.KW];
        for (int kw = 0; kw < shape.KW; kw++)
        {
            int off = kw * shape.DW;
            _tapOff[kw] = off % shape.SW * _lw + off / shape.SW;
        }
    }

    /// <summary>Floats per row of the accumulation plane.</summary>
    public int RowStride { get; }

    /// <summary>Floats of one channel's accumulation plane (OH rows).</summary>
    public long PlaneFloats => (long)_s.OH * RowStride;

    /// <summary>Zeroes one channel's accumulation plane.</summary>
    public void Clear(float* plane) => Im2ColSource.Zero(plane, (int)PlaneFloats);

    /// <summary>
    /// Adds the columns of input rows [<paramref name="ih0"/>, <paramref name="ih1"/>) of one output
    /// channel into <paramref name="plane"/>. <paramref name="col"/> holds KH·KW rows (one per tap)
    /// of (ih1 − ih0)·W values each, <paramref name="ld"/> floats apart.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public void Accumulate(float* col, long ld, int ih0, int ih1, float* plane)
    {
        var s = _s;
        int w = s.W;
        for (int kh = 0; kh < s.KH; kh++)
            for (int kw = 0; kw < s.KW; kw++)
            {
                float* src = col + (kh * s.KW + kw) * ld;
                int off = _tapOff[kw];
                for (int ih = ih0; ih < ih1; ih++, src += w)
                {
                    int oh = ih * s.SH + kh * s.DH - s.PT;
                    if ((uint)oh >= (uint)s.OH) continue;
                    Add(src, plane + (long)oh * RowStride + off, w);
                }
            }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Add(float* src, float* dst, int n)
    {
        int j = 0;
        if (Vector256.IsHardwareAccelerated)
            for (; j <= n - V; j += V) Vector256.Store(Vector256.Load(dst + j) + Vector256.Load(src + j), dst + j);
        for (; j < n; j++) dst[j] += src[j];
    }

    /// <summary>y[oh, ow] = act(full[oh, ow + PL] + bias) for one output channel.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public void Finish(float* plane, float* y, float bias, FusedActivation act)
    {
        var s = _s;
        int ow = s.OW, sw = s.SW, pl = s.PL, lw = _lw, full = sw * lw;
        for (int oh = 0; oh < s.OH; oh++)
        {
            float* row = plane + (long)oh * RowStride;
            float* yr = y + (long)oh * ow;
            int o = 0;
            if (sw == 1)
            {
                // Contiguous: out-of-range columns (negative pads from output_shape) are zero.
                int lo = Math.Clamp(-pl, 0, ow), hi = Math.Clamp(full - pl, lo, ow);
                Im2ColSource.Zero(yr, lo);
                Im2ColSource.Copy(row + pl + lo, yr + lo, hi - lo);
                Im2ColSource.Zero(yr + hi, ow - hi);
                o = ow;
            }
            else if (sw == 2 && pl >= 0 && Avx.IsSupported)
            {
                // Output 2t+e reads phase (pl+e) mod 2 at index t + (pl+e)/2.
                float* a = row + pl % 2 * lw + pl / 2;
                float* b = row + (pl + 1) % 2 * lw + (pl + 1) / 2;
                int limit = Math.Min(ow / 2, lw - (pl + 1) / 2) - V; // last t block fully inside both phases
                int t = 0;
                for (; t <= limit; t += V)
                {
                    var va = Avx.LoadVector256(a + t);
                    var vb = Avx.LoadVector256(b + t);
                    var lo = Avx.UnpackLow(va, vb);
                    var hi = Avx.UnpackHigh(va, vb);
                    Avx.Store(yr + 2 * t, Avx.Permute2x128(lo, hi, 0x20));
                    Avx.Store(yr + 2 * t + V, Avx.Permute2x128(lo, hi, 0x31));
                }
                o = 2 * t;
            }
            for (; o < ow; o++)
            {
                int fw = o + pl;
                yr[o] = (uint)fw < (uint)full ? row[fw % sw * lw + fw / sw] : 0f;
            }
            ConvEpilogue.Apply(yr, ow, bias, act);
        }
    }
}

/// <summary>
/// col2im for ConvTranspose of any rank (used for 3-D and up): each column value of one output
/// channel is added into the output cell its input cell and tap map to, with bounds checks.
/// Correct first; the 2-D <see cref="Col2Im"/> is the fast path.
/// </summary>
public static unsafe class Col2ImNd
{
    /// <summary>
    /// y (one output channel, zeroed by the caller) += the scatter of <paramref name="col"/>, which holds
    /// one row of InPlane values per tap, <paramref name="ld"/> floats apart.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Scatter(ConvShape s, float* col, long ld, float* y)
    {
        var g = s.Geometry;
        int rank = g.Rank, taps = g.KernelSize, inPlane = g.InputSize;
        int* tap = stackalloc int[rank];
        int* cell = stackalloc int[rank];
        for (int t = 0; t < taps; t++)
        {
            int rem = t;
            for (int a = rank - 1; a >= 0; a--)
            {
                tap[a] = rem % g.Kernel[a] * g.Dilations[a] - g.PadsBegin[a];
                rem /= g.Kernel[a];
            }
            float* src = col + t * ld;
            for (int a = 0; a < rank; a++) cell[a] = 0;
            for (int i = 0; i < inPlane; i++)
            {
                int index = 0;
                bool inside = true;
                for (int a = 0; a < rank; a++)
                {
                    int p = cell[a] * g.Strides[a] + tap[a];
                    if ((uint)p >= (uint)g.OutputSpatial[a]) { inside = false; break; }
                    index = index * g.OutputSpatial[a] + p;
                }
                if (inside) y[index] += src[i];
                for (int a = rank - 1; a >= 0; a--)
                {
                    if (++cell[a] < g.InputSpatial[a]) break;
                    cell[a] = 0;
                }
            }
        }
    }
}
