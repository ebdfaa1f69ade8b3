using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using KernelVision.Cpu.Memory;
using KernelVision.Ops;

namespace KernelVision.Cpu.Convolution;

/// <summary>
/// Depthwise convolution vectorised over channels instead of over the output width, for the small
/// planes of a network's later layers (MobileNet: 14×14, 7×7), where a width of 7 or 14 leaves
/// most of a width vector empty and the per-channel set-up dominates. Eight channels are
/// interleaved into a zero-padded scratch plane of Vector256 pixels, every output pixel is then
/// KH·KW full-width fused multiply-adds (each lane its own channel and weight), and the result is
/// de-interleaved into the NCHW output. The interleave and de-interleave are one pass each over
/// data the conv reads and writes anyway. Channel multiplier 1 only (M = C); any kernel, stride,
/// padding and dilation.
/// </summary>
public sealed unsafe class DepthwiseConvBlocked
{
    /// <summary>Channels per block: the lanes of a Vector256.</summary>
    public const int Block = 8;
    private readonly ConvShape _s;
    private readonly int _hp, _wp; // padded rows and columns the outputs read

    /// <summary>Prepares the kernel for <paramref name="shape"/> (see <see cref="Supports"/>).</summary>
    public DepthwiseConvBlocked(ConvShape shape)
    {
        if (!Supports(shape)) throw new ArgumentException("not a depthwise conv with channel multiplier 1", nameof(shape));
        _s = shape;
        _hp = (shape.OH - 1) * shape.SH + (shape.KH - 1) * shape.DH + 1;
        _wp = (shape.OW - 1) * shape.SW + (shape.KW - 1) * shape.DW + 1;
    }

    /// <summary>True for 2-D depthwise convs with one output channel per input channel, on a machine with Vector256.</summary>
    public static bool Supports(ConvShape s) => DepthwiseConv.IsDepthwise(s) && s.Mg == 1 && Vector256.IsHardwareAccelerated;

    /// <summary>
    /// True when this kernel should replace <see cref="DepthwiseConv"/>: narrow outputs (under four
    /// width vectors), where vectorising over the width wastes lanes and the per-channel overhead
    /// is paid on very little work. Measured on MobileNetV2: faster at 28×28 and below, slower at 56×56 and 112×112.
    /// </summary>
    public static bool Preferred(ConvShape s) => Supports(s) && s.OW < MaxWidth;

    /// <summary>Outputs narrower than this take the channel-blocked kernel (tunable for benchmarks).</summary>
    public static int MaxWidth { get; set; } = 32;

    /// <summary>Blocks of <see cref="Block"/> channels per image.</summary>
    public int Blocks => (_s.C + Block - 1) / Block;

    private long ScratchFloats => ((long)_hp * _wp + (long)_s.OH * _s.OW) * Block;

    /// <summary>
    /// Computes channels [Block·<paramref name="block"/>, +Block) of one image: <paramref name="x"/> and
    /// <paramref name="y"/> point at the image's first channel, <paramref name="w"/> is [C, 1, KH, KW],
    /// <paramref name="bias"/> [C] or null.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public void RunBlock(float* x, float* w, float* bias, float* y, int block, FusedActivation act)
    {
        var s = _s;
        int c0 = block * Block, count = Math.Min(Block, s.C - c0);
        int taps = s.KH * s.KW, hp = _hp, wp = _wp, outPlane = s.OH * s.OW, inPlane = s.H * s.W;
        float* buf = ThreadScratch.Get(ScratchSlot.Temp0, ScratchFloats);
        float* outBuf = buf + (long)hp * wp * Block;

        // Interleave: buf[(r·wp + q)·8 + j] = x[c0 + j][r − PT][q − PL], zero outside the image or past the last channel.
        new Span<float>(buf, hp * wp * Block).Clear();
        int r0 = Math.Max(0, s.PT), r1 = Math.Min(hp, s.PT + s.H);
        int q0 = Math.Max(0, s.PL), q1 = Math.Min(wp, s.PL + s.W);
        for (int j = 0; j < count; j++)
        {
            float* plane = x + (long)(c0 + j) * inPlane;
            for (int r = r0; r < r1; r++)
            {
                float* src = plane + (long)(r - s.PT) * s.W - s.PL;
                float* dst = buf + (long)r * wp * Block + j;
                for (int q = q0; q < q1; q++) dst[q * Block] = src[q];
            }
        }

        // Per-tap weight vectors (lane j: channel c0 + j's weight) and the bias vector.
        var wv = stackalloc Vector256<float>[taps];
        float* lanes = stackalloc float[Block];
        for (int t = 0; t < taps; t++)
        {
            for (int j = 0; j < Block; j++) lanes[j] = j < count ? w[(long)(c0 + j) * taps + t] : 0f;
            wv[t] = Vector256.Load(lanes);
        }
        for (int j = 0; j < Block; j++) lanes[j] = j < count && bias != null ? bias[c0 + j] : 0f;
        var vb = Vector256.Load(lanes);

        int kh = s.KH, kw = s.KW;
        long rowStep = (long)s.DH * wp * Block, colStep = (long)s.DW * Block;
        for (int oh = 0; oh < s.OH; oh++)
        {
            float* top = buf + (long)oh * s.SH * wp * Block;
            float* o = outBuf + (long)oh * s.OW * Block;
            int ow = 0;
            for (; ow <= s.OW - 4; ow += 4)
            {
                float* p = top + (long)ow * s.SW * Block;
                long step = (long)s.SW * Block;
                Vector256<float> a0 = vb, a1 = vb, a2 = vb, a3 = vb;
                for (int i = 0; i < kh; i++)
                {
                    float* r = p + i * rowStep;
                    for (int k = 0; k < kw; k++)
                    {
                        var wt = wv[i * kw + k];
                        float* q = r + k * colStep;
                        a0 = Vector256.FusedMultiplyAdd(Vector256.Load(q), wt, a0);
                        a1 = Vector256.FusedMultiplyAdd(Vector256.Load(q + step), wt, a1);
                        a2 = Vector256.FusedMultiplyAdd(Vector256.Load(q + 2 * step), wt, a2);
                        a3 = Vector256.FusedMultiplyAdd(Vector256.Load(q + 3 * step), wt, a3);
                    }
                }
                Vector256.Store(ConvEpilogue.Activate(a0, act), o + ow * Block);
                Vector256.Store(ConvEpilogue.Activate(a1, act), o + (ow + 1) * Block);
                Vector256.Store(ConvEpilogue.Activate(a2, act), o + (ow + 2) * Block);
                Vector256.Store(ConvEpilogue.Activate(a3, act), o + (ow + 3) * Block);
            }
            for (; ow < s.OW; ow++)
            {
                float* p = top + (long)ow * s.SW * Block;
                var a = vb;
                for (int i = 0; i < kh; i++)
                    for (int k = 0; k < kw; k++)
                        a = Vector256.FusedMultiplyAdd(Vector256.Load(p + i * rowStep + k * colStep), wv[i * kw + k], a);
                Vector256.Store(ConvEpilogue.Activate(a, act), o + ow * Block);
            }
        }

        // De-interleave into NCHW; Sigmoid/Tanh (not in-register) run on each finished channel.
        for (int j = 0; j < count; j++)
        {
            float* dst = y + (long)(c0 + j) * outPlane;
            float* src = outBuf + j;
            for (int p = 0; p < outPlane; p++) dst[p] = src[p * Block];
            if (!ConvEpilogue.InRegister(act)) ConvEpilogue.Apply(dst, outPlane, 0f, act);
        }
    }
}
