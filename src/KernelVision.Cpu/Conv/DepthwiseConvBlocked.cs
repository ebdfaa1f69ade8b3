using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using KernelVision.Cpu.Memory;
using KernelVision.Ops;

namespace KernelVision.Cpu.Conv;

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
        _pixelOffset = new int[shape.H * shape.W];
        for (int ih = 0; ih < shape.H; ih++)
            for (int iw = 0; iw < shape.W; iw++)
            {
                int r = ih + shape.PT, q = iw + shape.PL;
                // Pixels past the padded extent are never read: park them in the spare slot after the output scratch.
                _pixelOffset[ih * shape.W + iw] = r < _hp && q < _wp ? (r * _wp + q) * Block : (_hp * _wp + shape.OH * shape.OW) * Block;
            }
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

    private long ScratchFloats => ((long)_hp * _wp + (long)_s.OH * _s.OW + 1) * Block;

    /// <summary>
    /// Computes channels [Block·<paramref name="block"/>, +Block) of one image: <paramref name="x"/> and
    /// <paramref name="y"/> point at the image's first channel, <paramref name="w"/> is [C, 1, KH, KW],
    /// <paramref name="bias"/> [C] or null, <paramref name="packedW"/> the same weights as <see cref="PackWeights"/> laid them out, or null.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public void RunBlock(float* x, float* w, float* bias, float* y, int block, FusedActivation act, float* packedW = null)
    {
        var s = _s;
        int c0 = block * Block, count = Math.Min(Block, s.C - c0);
        int taps = s.KH * s.KW, hp = _hp, wp = _wp, outPlane = s.OH * s.OW, inPlane = s.H * s.W;
        float* buf = ThreadScratch.Get(ScratchSlot.Temp0, ScratchFloats);
        float* outBuf = buf + (long)hp * wp * Block;

        // Interleave: buf[(r·wp + q)·8 + j] = x[c0 + j][r − PT][q − PL], zero outside the image or past the last channel.
        int r0 = Math.Max(0, s.PT), r1 = Math.Min(hp, s.PT + s.H);
        int q0 = Math.Max(0, s.PL), q1 = Math.Min(wp, s.PL + s.W);
        Interleave(x + (long)c0 * inPlane, inPlane, count, buf, r0, r1, q0, q1);

        // Per-tap weight vectors (lane j: channel c0 + j's weight), pre-packed (PackWeights) or
        // gathered here, and the bias vector.
        var wv = stackalloc Vector256<float>[taps];
        float* lanes = stackalloc float[Block];
        if (packedW != null)
            for (int t = 0; t < taps; t++) wv[t] = Vector256.Load(packedW + ((long)block * taps + t) * Block);
        else
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
            // Four pixels per step; the last step overlaps the one before (outputs are independent).
            for (; s.OW >= 4 && ow < s.OW; ow += 4)
            {
                ow = Math.Min(ow, s.OW - 4);
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

        // De-interleave into NCHW (8×8 transposes); Sigmoid/Tanh (not in-register) run on each finished channel.
        Deinterleave(outBuf, outPlane, count, y + (long)c0 * outPlane);
        if (!ConvEpilogue.InRegister(act))
            for (int j = 0; j < count; j++) ConvEpilogue.Apply(y + (long)(c0 + j) * outPlane, outPlane, 0f, act);
    }

    /// <summary>
    /// W [C, 1, KH, KW] as per-block tap vectors, [block][tap][8 lanes] (lanes past C zero), in a
    /// pinned array: what <see cref="RunBlock"/> would otherwise gather lane by lane for every block.
    /// </summary>
    public float[] PackWeights(ReadOnlySpan<float> w)
    {
        int taps = _s.KH * _s.KW;
        var packed = GC.AllocateArray<float>(Blocks * taps * Block, pinned: true);
        for (int c = 0; c < _s.C; c++)
            for (int t = 0; t < taps; t++)
                packed[((c / Block) * taps + t) * Block + c % Block] = w[c * taps + t];
        return packed;
    }

    /// <summary>
    /// Fills the padded, channel-interleaved scratch: zero borders (rows outside [r0, r1), columns
    /// outside [q0, q1)), then the image. The image is read plane-contiguously, eight pixels of
    /// eight channels at a time through an in-register 8×8 transpose, whatever the width (a row
    /// break inside the eight pixels only changes where each pixel's vector is stored, via
    /// <see cref="_pixelOffset"/>); the last group overlaps the one before instead of falling back
    /// to scalar code, which on 14×14 and 7×7 planes was most of the layer's time.
    /// </summary>
    private void Interleave(float* x, int inPlane, int count, float* buf, int r0, int r1, int q0, int q1)
    {
        int wp = _wp;
        long rowFloats = (long)wp * Block;
        // Borders are a few pixels: one vector store each (Span.Clear calls cost more on 7×7 planes).
        var zero = Vector256<float>.Zero;
        for (long i = 0; i < r0 * rowFloats; i += Block) Vector256.Store(zero, buf + i);
        for (long i = r1 * rowFloats; i < _hp * rowFloats; i += Block) Vector256.Store(zero, buf + i);
        for (int r = r0; r < r1; r++)
        {
            float* dstRow = buf + r * rowFloats;
            for (int q = 0; q < q0; q++) Vector256.Store(zero, dstRow + q * Block);
            for (int q = q1; q < wp; q++) Vector256.Store(zero, dstRow + q * Block);
        }
        var offsets = _pixelOffset;
        if (offsets.Length < Block)
        {
            // Planes under eight pixels: element by element.
            for (int p = 0; p < offsets.Length; p++)
                for (int j = 0; j < Block; j++) buf[offsets[p] + j] = j < count ? x[(long)j * inPlane + p] : 0f;
            return;
        }
        var v = stackalloc Vector256<float>[Block];
        fixed (int* off = offsets)
        {
            for (int p = 0; p < offsets.Length; p += Block)
            {
                int p0 = Math.Min(p, offsets.Length - Block);
                for (int j = 0; j < Block; j++)
                    v[j] = j < count ? Vector256.Load(x + (long)j * inPlane + p0) : Vector256<float>.Zero;
                Transpose8x8(v);
                for (int k = 0; k < Block; k++) Vector256.Store(v[k], buf + off[p0 + k]);
            }
        }
    }

    /// <summary>Scratch offset (in floats) of every input pixel's eight-channel vector: ((ih + PT)·wp + iw + PL)·8.</summary>
    private readonly int[] _pixelOffset;

    /// <summary>y[j][p] = src[p·8 + j] for the first <paramref name="count"/> channels, eight pixels at a time.</summary>
    private static void Deinterleave(float* src, int outPlane, int count, float* y)
    {
        if (outPlane < Block)
        {
            for (int p = 0; p < outPlane; p++)
                for (int j = 0; j < count; j++) y[(long)j * outPlane + p] = src[(long)p * Block + j];
            return;
        }
        var v = stackalloc Vector256<float>[Block];
        for (int p = 0; p < outPlane; p += Block)
        {
            int p0 = Math.Min(p, outPlane - Block); // the last group overlaps the one before
            for (int k = 0; k < Block; k++) v[k] = Vector256.Load(src + (long)(p0 + k) * Block);
            Transpose8x8(v);
            for (int j = 0; j < count; j++) Vector256.Store(v[j], y + (long)j * outPlane + p0);
        }
    }

    /// <summary>In-place transpose of the 8×8 matrix whose rows are v[0..7].</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Transpose8x8(Vector256<float>* v)
    {
        if (Avx.IsSupported)
        {
            var t0 = Avx.UnpackLow(v[0], v[1]); var t1 = Avx.UnpackHigh(v[0], v[1]);
            var t2 = Avx.UnpackLow(v[2], v[3]); var t3 = Avx.UnpackHigh(v[2], v[3]);
            var t4 = Avx.UnpackLow(v[4], v[5]); var t5 = Avx.UnpackHigh(v[4], v[5]);
            var t6 = Avx.UnpackLow(v[6], v[7]); var t7 = Avx.UnpackHigh(v[6], v[7]);
            var u0 = Avx.Shuffle(t0, t2, 0x44); var u1 = Avx.Shuffle(t0, t2, 0xEE);
            var u2 = Avx.Shuffle(t1, t3, 0x44); var u3 = Avx.Shuffle(t1, t3, 0xEE);
            var u4 = Avx.Shuffle(t4, t6, 0x44); var u5 = Avx.Shuffle(t4, t6, 0xEE);
            var u6 = Avx.Shuffle(t5, t7, 0x44); var u7 = Avx.Shuffle(t5, t7, 0xEE);
            v[0] = Avx.Permute2x128(u0, u4, 0x20); v[1] = Avx.Permute2x128(u1, u5, 0x20);
            v[2] = Avx.Permute2x128(u2, u6, 0x20); v[3] = Avx.Permute2x128(u3, u7, 0x20);
            v[4] = Avx.Permute2x128(u0, u4, 0x31); v[5] = Avx.Permute2x128(u1, u5, 0x31);
            v[6] = Avx.Permute2x128(u2, u6, 0x31); v[7] = Avx.Permute2x128(u3, u7, 0x31);
            return;
        }
        float* m = stackalloc float[Block * Block];
        for (int i = 0; i < Block; i++) Vector256.Store(v[i], m + i * Block);
        for (int i = 0; i < Block; i++)
            for (int j = i + 1; j < Block; j++) (m[i * Block + j], m[j * Block + i]) = (m[j * Block + i], m[i * Block + j]);
        for (int i = 0; i < Block; i++) v[i] = Vector256.Load(m + i * Block);
    }
}
