using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using KernelVision.Cpu.Memory;
using KernelVision.Ops;

namespace KernelVision.Cpu.Conv;

/// <summary>
/// Direct depthwise convolution (group = C, one input channel per group, any channel multiplier,
/// kernel, stride, padding and dilation; 1-D or 2-D), vectorised over the output width. GEMM is a
/// poor fit here (K = KH·KW is tiny), and the layer is memory-bound, so each input channel is read
/// once into a zero-padded scratch copy that is split into stride phases along the width
/// (column pc goes to phase pc mod SW at index pc / SW). Then for every tap the inputs of
/// consecutive outputs are consecutive floats, whatever the stride or dilation, and each
/// output vector is a chain of KH·KW fused multiply-adds of unaligned loads by a broadcast
/// weight, with bias and activation applied before the single store.
/// </summary>
public sealed unsafe class DepthwiseConv
{
    private const int V = 8; // Vector256 lanes
    private readonly ConvShape _s;
    private readonly int _rows;      // padded input rows that outputs read
    private readonly int _lw;        // floats per phase of a scratch row
    private readonly int _rowStride; // SW·Lw
    private readonly int[] _tapOff;  // per kw: phase·Lw + index offset in the scratch row

    /// <summary>Prepares the kernel for <paramref name="shape"/> (which must be depthwise: Cg = 1, 1-D or 2-D).</summary>
    public DepthwiseConv(ConvShape shape)
    {
        if (!IsDepthwise(shape)) throw new ArgumentException("not a 1-D/2-D depthwise conv", nameof(shape));
        _s = shape;
        _rows = (shape.OH - 1) * shape.SH + (shape.KH - 1) * shape.DH + 1;
        int owv = (shape.OW + V - 1) / V * V;
        int qmax = (shape.KW - 1) * shape.DW / shape.SW;
        _lw = Math.Max(owv + qmax + 1, (shape.PL + shape.W + shape.SW - 1) / shape.SW);
        _rowStride = shape.SW * _lw;
        _tapOff = new int[shape.KW];
        for (int kw = 0; kw < shape.KW; kw++)
        {
            int off = kw * shape.DW;
            _tapOff[kw] = off % shape.SW * _lw + off / shape.SW;
        }
    }

    /// <summary>True when <paramref name="s"/> is a 1-D/2-D conv with one input channel per group.</summary>
    public static bool IsDepthwise(ConvShape s) => s.Is2D && s.G == s.C && s.G > 1 && s.Cg == 1;

    /// <summary>Scratch floats one channel needs (padded rows plus one row of de-interleave room).</summary>
    private long ScratchFloats => (long)(_rows + 1) * _rowStride + 2 * V;

    /// <summary>
    /// Computes the <c>M/C</c> output channels of input channel <paramref name="c"/> of one image:
    /// <paramref name="x"/> is that image's first channel, <paramref name="w"/> the full weight
    /// [M, 1, KH, KW], <paramref name="bias"/> [M] or null, <paramref name="y"/> the image's first output channel.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public void RunChannel(float* x, float* w, float* bias, float* y, int c, FusedActivation act)
    {
        var s = _s;
        float* buf = ThreadScratch.Get(ScratchSlot.Temp0, ScratchFloats);
        PhaseSplitPlane.Fill(x + (long)c * s.H * s.W, s.H, s.W, s.PT, s.PL, _rows, s.SW, _lw, buf, buf + (long)_rows * _rowStride);
        int mult = s.Mg, taps = s.KH * s.KW, outPlane = s.OH * s.OW;
        for (int j = 0; j < mult; j++)
        {
            int m = c * mult + j;
            float b = bias != null ? bias[m] : 0f;
            float* yp = y + (long)m * outPlane;
            float* wp = w + (long)m * taps;
            if (Vector256.IsHardwareAccelerated)
            {
                if (s.KH == 3 && s.KW == 3) Compute3x3(buf, wp, b, yp, act);
                else ComputeGeneric(buf, wp, b, yp, act);
            }
            else ComputeScalar(buf, wp, b, yp, act);
            if (!ConvEpilogue.InRegister(act)) ConvEpilogue.Apply(yp, outPlane, 0f, act);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<float> MulAdd(Vector256<float> a, Vector256<float> b, Vector256<float> c) =>
        Fma.IsSupported ? Fma.MultiplyAdd(a, b, c) : a * b + c;

    /// <summary>Stores the first <paramref name="n"/> (≤ 8) lanes after the activation.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void StorePartial(Vector256<float> v, float* dst, int n, in FusedActivation act)
    {
        float* tmp = stackalloc float[V];
        Vector256.Store(ConvEpilogue.Activate(v, act), tmp);
        for (int i = 0; i < n; i++) dst[i] = tmp[i];
    }

    /// <summary>3×3 (any stride/dilation): the nine weights stay in registers; four output vectors per step.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void Compute3x3(float* buf, float* w, float bias, float* y, FusedActivation act)
    {
        var s = _s;
        int ow = s.OW, rs = _rowStride, dh = s.DH * rs, sh = s.SH * rs;
        int t0 = _tapOff[0], t1 = _tapOff[1], t2 = _tapOff[2];
        var w00 = Vector256.Create(w[0]); var w01 = Vector256.Create(w[1]); var w02 = Vector256.Create(w[2]);
        var w10 = Vector256.Create(w[3]); var w11 = Vector256.Create(w[4]); var w12 = Vector256.Create(w[5]);
        var w20 = Vector256.Create(w[6]); var w21 = Vector256.Create(w[7]); var w22 = Vector256.Create(w[8]);
        var vb = Vector256.Create(bias);
        var a = act;
        for (int oh = 0; oh < s.OH; oh++)
        {
            float* r0 = buf + (long)oh * sh, r1 = r0 + dh, r2 = r1 + dh;
            float* yr = y + (long)oh * ow;
            int o = 0;
            if (ow >= 4 * V)
            {
                // Four vectors per step; the last step overlaps the one before instead of leaving a
                // tail of single vectors (outputs are independent, the overlap is rewritten alike).
                for (; o < ow; o += 4 * V)
                {
                    int at = Math.Min(o, ow - 4 * V);
                    Vector256<float> c0 = vb, c1 = vb, c2 = vb, c3 = vb;
                    Row3(r0 + at, t0, t1, t2, w00, w01, w02, ref c0, ref c1, ref c2, ref c3);
                    Row3(r1 + at, t0, t1, t2, w10, w11, w12, ref c0, ref c1, ref c2, ref c3);
                    Row3(r2 + at, t0, t1, t2, w20, w21, w22, ref c0, ref c1, ref c2, ref c3);
                    Vector256.Store(ConvEpilogue.Activate(c0, a), yr + at);
                    Vector256.Store(ConvEpilogue.Activate(c1, a), yr + at + V);
                    Vector256.Store(ConvEpilogue.Activate(c2, a), yr + at + 2 * V);
                    Vector256.Store(ConvEpilogue.Activate(c3, a), yr + at + 3 * V);
                }
                continue;
            }
            for (; o < ow; o += V)
            {
                var c0 = vb;
                float* p = r0 + o;
                c0 = MulAdd(Vector256.Load(p + t0), w00, c0); c0 = MulAdd(Vector256.Load(p + t1), w01, c0); c0 = MulAdd(Vector256.Load(p + t2), w02, c0);
                p = r1 + o;
                c0 = MulAdd(Vector256.Load(p + t0), w10, c0); c0 = MulAdd(Vector256.Load(p + t1), w11, c0); c0 = MulAdd(Vector256.Load(p + t2), w12, c0);
                p = r2 + o;
                c0 = MulAdd(Vector256.Load(p + t0), w20, c0); c0 = MulAdd(Vector256.Load(p + t1), w21, c0); c0 = MulAdd(Vector256.Load(p + t2), w22, c0);
                if (o + V <= ow) Vector256.Store(ConvEpilogue.Activate(c0, a), yr + o);
                else StorePartial(c0, yr + o, ow - o, a);
            }
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Row3(float* p, int t0, int t1, int t2, Vector256<float> wa, Vector256<float> wb, Vector256<float> wc,
        ref Vector256<float> c0, ref Vector256<float> c1, ref Vector256<float> c2, ref Vector256<float> c3)
    {
        c0 = MulAdd(Vector256.Load(p + t0), wa, c0);
        c1 = MulAdd(Vector256.Load(p + t0 + V), wa, c1);
        c2 = MulAdd(Vector256.Load(p + t0 + 2 * V), wa, c2);
        c3 = MulAdd(Vector256.Load(p + t0 + 3 * V), wa, c3);
        c0 = MulAdd(Vector256.Load(p + t1), wb, c0);
        c1 = MulAdd(Vector256.Load(p + t1 + V), wb, c1);
        c2 = MulAdd(Vector256.Load(p + t1 + 2 * V), wb, c2);
        c3 = MulAdd(Vector256.Load(p + t1 + 3 * V), wb, c3);
        c0 = MulAdd(Vector256.Load(p + t2), wc, c0);
        c1 = MulAdd(Vector256.Load(p + t2 + V), wc, c1);
        c2 = MulAdd(Vector256.Load(p + t2 + 2 * V), wc, c2);
        c3 = MulAdd(Vector256.Load(p + t2 + 3 * V), wc, c3);
    }

    /// <summary>Any kernel size: two output vectors per step, weights broadcast per tap.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void ComputeGeneric(float* buf, float* w, float bias, float* y, FusedActivation act)
    {
        var s = _s;
        int ow = s.OW, kh = s.KH, kw = s.KW, rs = _rowStride;
        var vb = Vector256.Create(bias);
        fixed (int* tap = _tapOff)
        {
            for (int oh = 0; oh < s.OH; oh++)
            {
                float* top = buf + (long)oh * s.SH * rs;
                float* yr = y + (long)oh * ow;
                int o = 0;
                for (; o <= ow - 2 * V; o += 2 * V)
                {
                    Vector256<float> c0 = vb, c1 = vb;
                    for (int i = 0; i < kh; i++)
                    {
                        float* r = top + (long)i * s.DH * rs + o;
                        float* wr = w + i * kw;
                        for (int j = 0; j < kw; j++)
                        {
                            var wv = Vector256.Create(wr[j]);
                            float* p = r + tap[j];
                            c0 = MulAdd(Vector256.Load(p), wv, c0);
                            c1 = MulAdd(Vector256.Load(p + V), wv, c1);
                        }
                    }
                    Vector256.Store(ConvEpilogue.Activate(c0, act), yr + o);
                    Vector256.Store(ConvEpilogue.Activate(c1, act), yr + o + V);
                }
                for (; o < ow; o += V)
                {
                    var c0 = vb;
                    for (int i = 0; i < kh; i++)
                    {
                        float* r = top + (long)i * s.DH * rs + o;
                        float* wr = w + i * kw;
                        for (int j = 0; j < kw; j++) c0 = MulAdd(Vector256.Load(r + tap[j]), Vector256.Create(wr[j]), c0);
                    }
                    if (o + V <= ow) Vector256.Store(ConvEpilogue.Activate(c0, act), yr + o);
                    else StorePartial(c0, yr + o, ow - o, act);
                }
            }
        }
    }

    /// <summary>Machines without Vector256: the same sums one output at a time.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void ComputeScalar(float* buf, float* w, float bias, float* y, FusedActivation act)
    {
        var s = _s;
        int rs = _rowStride;
        bool inReg = ConvEpilogue.InRegister(act);
        for (int oh = 0; oh < s.OH; oh++)
            for (int o = 0; o < s.OW; o++)
            {
                float acc = bias;
                for (int i = 0; i < s.KH; i++)
                {
                    float* r = buf + (long)(oh * s.SH + i * s.DH) * rs + o;
                    for (int j = 0; j < s.KW; j++) acc += r[_tapOff[j]] * w[i * s.KW + j];
                }
                y[(long)oh * s.OW + o] = inReg ? act.Apply(acc) : acc;
            }
    }
}
