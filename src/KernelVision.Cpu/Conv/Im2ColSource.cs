using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using KernelVision.Cpu.Gemm;

namespace KernelVision.Cpu.Convolution;

/// <summary>
/// The im2col matrix of one image and group as a GEMM B operand (K = Cg·KH·KW rows, N = OH·OW
/// columns), packed straight from the NCHW image into Sgemm's panels: the column matrix is never
/// materialised, so memory traffic is one read of the (L2-resident) input per panel.
/// Row k = (c, kh, kw) reads channel c shifted by (kh·DH − PT, kw·DW − PL); a per-k table holds
/// those offsets. Within a panel the output pixels are split into runs along one output row;
/// with stride 1 each run is a contiguous (clipped) copy of an input row.
/// Thread-safe: packing only reads. <see cref="Input"/> is set before each multiply.
/// </summary>
public sealed unsafe class Im2ColSource : IGemmPanelSource
{
    private readonly ConvShape _s;
    private readonly int[] _chan;   // per k: channel offset within the group's input (c·H·W)
    private readonly int[] _dh;     // per k: kh·DH
    private readonly int[] _dw;     // per k: kw·DW

    /// <summary>A source for the 2-D (or 1-D) conv <paramref name="shape"/>.</summary>
    public Im2ColSource(ConvShape shape)
    {
        if (!shape.Is2D) throw new ArgumentException("Im2ColSource needs a 1-D or 2-D conv", nameof(shape));
        _s = shape;
        int k = shape.Cg * shape.KH * shape.KW;
        _chan = new int[k];
        _dh = new int[k];
        _dw = new int[k];
        int i = 0;
        for (int c = 0; c < shape.Cg; c++)
            for (int kh = 0; kh < shape.KH; kh++)
                for (int kw = 0; kw < shape.KW; kw++, i++)
                {
                    _chan[i] = c * shape.H * shape.W;
                    _dh[i] = kh * shape.DH;
                    _dw[i] = kw * shape.DW;
                }
    }

    /// <summary>First channel of the group in the current image (set before each multiply).</summary>
    public float* Input { get; set; }

    /// <summary>GEMM depth K = Cg·KH·KW.</summary>
    public int K => _chan.Length;

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public void PackPanel(float* dst, int width, int x0, int count, int k0, int kc)
    {
        var s = _s;
        int ow0 = s.OW, H = s.H, W = s.W, sw = s.SW;
        // Runs of consecutive output pixels within one output row: (dst offset, top input row, left input col, length).
        int maxRuns = count / Math.Max(1, ow0) + 2;
        int* runs = stackalloc int[4 * maxRuns];
        int nRuns = 0;
        {
            int oh = x0 / ow0, ow = x0 - oh * ow0;
            for (int x = 0; x < count;)
            {
                int len = Math.Min(ow0 - ow, count - x);
                int* r = runs + 4 * nRuns++;
                r[0] = x;
                r[1] = oh * s.SH - s.PT;
                r[2] = ow * sw - s.PL;
                r[3] = len;
                x += len;
                oh++;
                ow = 0;
            }
        }
        float* input = Input;
        fixed (int* chan = _chan, dhs = _dh, dws = _dw)
        {
            for (int kk = 0; kk < kc; kk++)
            {
                int k = k0 + kk;
                float* d = dst + (long)kk * width;
                float* plane = input + chan[k];
                int dh = dhs[k], dw = dws[k];
                for (int ri = 0; ri < nRuns; ri++)
                {
                    int* r = runs + 4 * ri;
                    float* dd = d + r[0];
                    int len = r[3];
                    int ih = r[1] + dh;
                    if ((uint)ih >= (uint)H)
                    {
                        Zero(dd, len);
                        continue;
                    }
                    float* row = plane + (long)ih * W;
                    int iw0 = r[2] + dw;
                    if (sw == 1)
                    {
                        int lo = Math.Clamp(-iw0, 0, len);
                        int hi = Math.Clamp(W - iw0, lo, len);
                        if (lo > 0) Zero(dd, lo);
                        Copy(row + iw0 + lo, dd + lo, hi - lo);
                        if (hi < len) Zero(dd + hi, len - hi);
                    }
                    else
                    {
                        for (int j = 0, iw = iw0; j < len; j++, iw += sw)
                            dd[j] = (uint)iw < (uint)W ? row[iw] : 0f;
                    }
                }
                if (count < width) Zero(d + count, width - count);
            }
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static void Copy(float* src, float* dst, int n)
    {
        int j = 0;
        if (Vector256.IsHardwareAccelerated)
            for (; j <= n - 8; j += 8) Vector256.Store(Vector256.Load(src + j), dst + j);
        if (Vector128.IsHardwareAccelerated)
            for (; j <= n - 4; j += 4) Vector128.Store(Vector128.Load(src + j), dst + j);
        for (; j < n; j++) dst[j] = src[j];
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static void Zero(float* dst, int n)
    {
        int j = 0;
        if (Vector256.IsHardwareAccelerated)
            for (; j <= n - 8; j += 8) Vector256.Store(Vector256<float>.Zero, dst + j);
        for (; j < n; j++) dst[j] = 0f;
    }
}

/// <summary>
/// The im2col matrix of an N-d conv (any number of spatial axes; used for 3-D and up) as a GEMM B
/// operand: row k = (c, tap), column = output cell. Straightforward per-element bounds checks:
/// correct first, the 2-D <see cref="Im2ColSource"/> is the fast path.
/// </summary>
public sealed unsafe class Im2ColSourceNd : IGemmPanelSource
{
    private readonly ConvShape _s;
    private readonly int _rank;
    private readonly int[] _chan;    // per k: channel offset (c·inPlane)
    private readonly int[] _tapOff;  // per k and axis: tap·dilation
    private readonly int[] _in, _out, _stride, _pad;

    /// <summary>A source for <paramref name="shape"/>.</summary>
    public Im2ColSourceNd(ConvShape shape)
    {
        _s = shape;
        var g = shape.Geometry;
        _rank = g.Rank;
        _in = g.InputSpatial;
        _out = g.OutputSpatial;
        _stride = g.Strides;
        _pad = g.PadsBegin;
        int taps = g.KernelSize;
        int k = shape.Cg * taps;
        _chan = new int[k];
        _tapOff = new int[k * _rank];
        for (int c = 0; c < shape.Cg; c++)
            for (int t = 0; t < taps; t++)
            {
                int i = c * taps + t;
                _chan[i] = c * g.InputSize;
                int rem = t;
                for (int a = _rank - 1; a >= 0; a--)
                {
                    _tapOff[i * _rank + a] = rem % g.Kernel[a] * g.Dilations[a];
                    rem /= g.Kernel[a];
                }
            }
    }

    /// <summary>First channel of the group in the current image.</summary>
    public float* Input { get; set; }

    /// <inheritdoc/>
    public void PackPanel(float* dst, int width, int x0, int count, int k0, int kc)
    {
        int rank = _rank;
        int* origin = stackalloc int[count * rank]; // per column: first input coordinate of its window per axis
        for (int x = 0; x < count; x++)
        {
            int rem = x0 + x;
            for (int a = rank - 1; a >= 0; a--)
            {
                int o = rem % _out[a];
                rem /= _out[a];
                origin[x * rank + a] = o * _stride[a] - _pad[a];
            }
        }
        for (int kk = 0; kk < kc; kk++)
        {
            int k = k0 + kk;
            float* d = dst + (long)kk * width;
            float* plane = Input + _chan[k];
            for (int x = 0; x < count; x++)
            {
                int index = 0;
                bool inside = true;
                for (int a = 0; a < rank; a++)
                {
                    int p = origin[x * rank + a] + _tapOff[k * rank + a];
                    if ((uint)p >= (uint)_in[a]) { inside = false; break; }
                    index = index * _in[a] + p;
                }
                d[x] = inside ? plane[index] : 0f;
            }
            for (int x = count; x < width; x++) d[x] = 0f;
        }
    }
}
