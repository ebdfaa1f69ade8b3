using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using KernelVision.Cpu.Memory;
using KernelVision.Ops;

namespace KernelVision.Cpu.Conv;

/// <summary>
/// Depthwise convolution vectorised over channels instead of over the output width, for the small
/// planes of a network's later layers (MobileNet: 14×14, 7×7), where a width of 7 or 14 leaves
/// most of a width vector empty and the per-channel set-up dominates. A block of channels (one per
/// vector lane: 16 in a Vector512 with AVX-512, else 8 in a Vector256) is interleaved into a
/// zero-padded scratch plane of pixel vectors, every output pixel is then KH·KW full-width fused
/// multiply-adds (each lane its own channel and weight), and the result is de-interleaved into the
/// NCHW output. The interleave and de-interleave are one pass each over data the conv reads and
/// writes anyway. Channel multiplier 1 only (M = C); any kernel, stride, padding and dilation.
/// </summary>
public sealed unsafe class DepthwiseConvBlocked
{
    private readonly ConvShape _s;
    private readonly int _hp, _wp; // padded rows and columns the outputs read

    /// <summary>Prepares the kernel for <paramref name="shape"/> (see <see cref="Supports"/>).</summary>
    public DepthwiseConvBlocked(ConvShape shape)
    {
        if (!Supports(shape)) throw new ArgumentException("not a depthwise conv with channel multiplier 1", nameof(shape));
        _s = shape;
        // Eight channels or fewer would leave half of a Vector512 empty.
        Block = ForcedBlock is 8 or 16 ? ForcedBlock : Vector512.IsHardwareAccelerated && shape.C > 8 ? 16 : 8;
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
    /// is paid on very little work. Measured on MobileNetV2 with the first, 8-lane version: faster
    /// at 28×28 and below, slower at 56×56 and 112×112. The current kernel also wins there on one
    /// and two threads of a Zen 5 (AVX-512 and AVX2), but a task per block leaves C/16 tasks, which
    /// would starve many threads on those few-channel large planes; the tuner can still choose it.
    /// </summary>
    public static bool Preferred(ConvShape s) => Supports(s) && s.OW < MaxWidth;

    /// <summary>Outputs narrower than this take the channel-blocked kernel (tunable for benchmarks).</summary>
    public static int MaxWidth { get; set; } = 32;

    /// <summary>
    /// Channels per block, the vector's lanes: 16 (Vector512) where Vector512 is hardware-accelerated
    /// and there are more than eight channels, else 8 (Vector256). Fixed per instance; <see cref="PackWeights"/> lays weights out for it.
    /// </summary>
    public int Block { get; }

    /// <summary>Tests: 8 or 16 makes the kernels built on this thread use that block width (16 runs, slowly, without AVX-512 too); 0 chooses.</summary>
    internal static int ForcedBlock { get => t_forcedBlock; set => t_forcedBlock = value; }
    [ThreadStatic] private static int t_forcedBlock;

    /// <summary>Blocks of <see cref="Block"/> channels per image.</summary>
    public int Blocks => (_s.C + Block - 1) / Block;

    private long ScratchFloats => ((long)_hp * _wp + (long)_s.OH * _s.OW + 1) * Block;

    /// <summary>
    /// Computes channels [Block·<paramref name="block"/>, +Block) of one image: <paramref name="x"/> and
    /// <paramref name="y"/> point at the image's first channel, <paramref name="w"/> is [C, 1, KH, KW],
    /// <paramref name="bias"/> [C] or null, <paramref name="packedW"/> the same weights as <see cref="PackWeights"/> laid them out, or null.
    /// </summary>
    public void RunBlock(float* x, float* w, float* bias, float* y, int block, FusedActivation act, float* packedW = null)
    {
        if (Block == 16) Run<Lanes512, Vector512<float>>(x, w, bias, y, block, act, packedW);
        else Run<Lanes256, Vector256<float>>(x, w, bias, y, block, act, packedW);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void Run<TL, TV>(float* x, float* w, float* bias, float* y, int block, FusedActivation act, float* packedW)
        where TL : struct, IChannelLanes<TV> where TV : unmanaged
    {
        var s = _s;
        int lanes = TL.Count;
        int c0 = block * lanes, count = Math.Min(lanes, s.C - c0);
        int taps = s.KH * s.KW, outPlane = s.OH * s.OW, inPlane = s.H * s.W;
        float* buf = ThreadScratch.Get(ScratchSlot.Temp0, ScratchFloats);
        float* outBuf = buf + (long)_hp * _wp * lanes;

        Interleave<TL, TV>(x + (long)c0 * inPlane, inPlane, count, buf);

        // Per-tap weight vectors (lane j: channel c0 + j's weight), pre-packed (PackWeights) or
        // gathered here, and the bias vector.
        var wv = stackalloc TV[taps];
        float* gather = stackalloc float[lanes];
        if (packedW != null)
            for (int t = 0; t < taps; t++) wv[t] = TL.Load(packedW + ((long)block * taps + t) * lanes);
        else
            for (int t = 0; t < taps; t++)
            {
                for (int j = 0; j < lanes; j++) gather[j] = j < count ? w[(long)(c0 + j) * taps + t] : 0f;
                wv[t] = TL.Load(gather);
            }
        for (int j = 0; j < lanes; j++) gather[j] = j < count && bias != null ? bias[c0 + j] : 0f;
        var vb = TL.Load(gather);

        TV alpha = TL.Create(act.Alpha), beta = TL.Create(act.Beta);
        switch (act.Kind)
        {
            case ActivationKind.Relu: Compute<TL, TV, ChannelActivation.Relu>(buf, outBuf, wv, vb, alpha, beta); break;
            case ActivationKind.LeakyRelu: Compute<TL, TV, ChannelActivation.LeakyRelu>(buf, outBuf, wv, vb, alpha, beta); break;
            case ActivationKind.Clip: Compute<TL, TV, ChannelActivation.Clip>(buf, outBuf, wv, vb, alpha, beta); break;
            case ActivationKind.HardSigmoid: Compute<TL, TV, ChannelActivation.HardSigmoid>(buf, outBuf, wv, vb, alpha, beta); break;
            default: Compute<TL, TV, ChannelActivation.Linear>(buf, outBuf, wv, vb, alpha, beta); break;
        }

        // De-interleave into NCHW; Sigmoid/Tanh (not in-register) run on each finished channel.
        Deinterleave<TL, TV>(outBuf, outPlane, count, y + (long)c0 * outPlane);
        if (!ConvEpilogue.InRegister(act))
            for (int j = 0; j < count; j++) ConvEpilogue.Apply(y + (long)(c0 + j) * outPlane, outPlane, 0f, act);
    }

    /// <summary>outBuf = act(vb + Σ taps), one pixel vector per output, from the padded interleaved input in <paramref name="buf"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private void Compute<TL, TV, TA>(float* buf, float* outBuf, TV* wv, TV vb, TV alpha, TV beta)
        where TL : struct, IChannelLanes<TV> where TV : unmanaged where TA : struct, IInRegisterActivation
    {
        var s = _s;
        if (s.KH == 3 && s.KW == 3) Compute3x3<TL, TV, TA>(buf, outBuf, wv, vb, alpha, beta);
        else ComputeAny<TL, TV, TA>(buf, outBuf, wv, vb, alpha, beta);
    }

    /// <summary>
    /// 3×3 kernels (MobileNet's, and most depthwise convs): the nine weight vectors stay in
    /// registers (a generic tap loop reloads them from the stack for every FMA). With 32 vector
    /// registers (the 16-lane kernel, AVX-512) and stride = dilation, neighbouring outputs share
    /// input columns: eight outputs per step load 10 columns per kernel row instead of 24, four
    /// load 6 instead of 12. With 16 registers (AVX2) the shared columns would spill: four outputs
    /// per step, every tap loaded where it is used.
    /// </summary>
    [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
    private void Compute3x3<TL, TV, TA>(float* buf, float* outBuf, TV* wv, TV vb, TV alpha, TV beta)
        where TL : struct, IChannelLanes<TV> where TV : unmanaged where TA : struct, IInRegisterActivation
    {
        var s = _s;
        int lanes = TL.Count, ow1 = s.OW;
        bool shared = TL.Count == 16 && s.SW == s.DW;
        TV w0 = wv[0], w1 = wv[1], w2 = wv[2], w3 = wv[3], w4 = wv[4], w5 = wv[5], w6 = wv[6], w7 = wv[7], w8 = wv[8];
        long dh = (long)s.DH * _wp * lanes, dw = (long)s.DW * lanes, step = (long)s.SW * lanes;
        for (int oh = 0; oh < s.OH; oh++)
        {
            float* top = buf + (long)oh * s.SH * _wp * lanes;
            float* o = outBuf + (long)oh * ow1 * lanes;
            int ow = 0;
            for (; shared && ow1 - ow >= 8; ow += 8)
            {
                float* p = top + ow * step;
                TV a0 = vb, a1 = vb, a2 = vb, a3 = vb, a4 = vb, a5 = vb, a6 = vb, a7 = vb;
                Row8<TL, TV>(p, step, w0, w1, w2, ref a0, ref a1, ref a2, ref a3, ref a4, ref a5, ref a6, ref a7);
                Row8<TL, TV>(p + dh, step, w3, w4, w5, ref a0, ref a1, ref a2, ref a3, ref a4, ref a5, ref a6, ref a7);
                Row8<TL, TV>(p + 2 * dh, step, w6, w7, w8, ref a0, ref a1, ref a2, ref a3, ref a4, ref a5, ref a6, ref a7);
                Store4<TL, TV, TA>(a0, a1, a2, a3, o + ow * lanes, alpha, beta);
                Store4<TL, TV, TA>(a4, a5, a6, a7, o + (ow + 4) * lanes, alpha, beta);
                // Five to seven left: one more step of eight, overlapping the one before (outputs are independent).
                if (ow1 - ow - 8 is > 4 and < 8) ow = ow1 - 16;
            }
            // Four outputs per step; the last step overlaps the one before.
            for (; ow1 >= 4 && ow < ow1; ow += 4)
            {
                ow = Math.Min(ow, ow1 - 4);
                float* p = top + ow * step;
                TV a0 = vb, a1 = vb, a2 = vb, a3 = vb;
                if (shared)
                {
                    Row4<TL, TV>(p, step, w0, w1, w2, ref a0, ref a1, ref a2, ref a3);
                    Row4<TL, TV>(p + dh, step, w3, w4, w5, ref a0, ref a1, ref a2, ref a3);
                    Row4<TL, TV>(p + 2 * dh, step, w6, w7, w8, ref a0, ref a1, ref a2, ref a3);
                }
                else
                {
                    a0 = Pixel3x3<TL, TV>(p, dh, dw, vb, w0, w1, w2, w3, w4, w5, w6, w7, w8);
                    a1 = Pixel3x3<TL, TV>(p + step, dh, dw, vb, w0, w1, w2, w3, w4, w5, w6, w7, w8);
                    a2 = Pixel3x3<TL, TV>(p + 2 * step, dh, dw, vb, w0, w1, w2, w3, w4, w5, w6, w7, w8);
                    a3 = Pixel3x3<TL, TV>(p + 3 * step, dh, dw, vb, w0, w1, w2, w3, w4, w5, w6, w7, w8);
                }
                Store4<TL, TV, TA>(a0, a1, a2, a3, o + ow * lanes, alpha, beta);
            }
            for (; ow < ow1; ow++)
                TL.Store(TA.Apply<TL, TV>(Pixel3x3<TL, TV>(top + ow * step, dh, dw, vb, w0, w1, w2, w3, w4, w5, w6, w7, w8), alpha, beta), o + ow * lanes);
        }
    }

    /// <summary>act(a0…a3) stored as four consecutive pixel vectors at <paramref name="o"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Store4<TL, TV, TA>(TV a0, TV a1, TV a2, TV a3, float* o, TV alpha, TV beta)
        where TL : struct, IChannelLanes<TV> where TV : unmanaged where TA : struct, IInRegisterActivation
    {
        int lanes = TL.Count;
        TL.Store(TA.Apply<TL, TV>(a0, alpha, beta), o);
        TL.Store(TA.Apply<TL, TV>(a1, alpha, beta), o + lanes);
        TL.Store(TA.Apply<TL, TV>(a2, alpha, beta), o + 2 * lanes);
        TL.Store(TA.Apply<TL, TV>(a3, alpha, beta), o + 3 * lanes);
    }

    /// <summary>One kernel row (weights <paramref name="wa"/>, <paramref name="wb"/>, <paramref name="wc"/>) of eight neighbouring outputs: ten input columns.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Row8<TL, TV>(float* r, long step, TV wa, TV wb, TV wc, ref TV a0, ref TV a1, ref TV a2, ref TV a3, ref TV a4, ref TV a5, ref TV a6, ref TV a7)
        where TL : struct, IChannelLanes<TV> where TV : unmanaged
    {
        TV v0 = TL.Load(r), v1 = TL.Load(r + step), v2 = TL.Load(r + 2 * step), v3 = TL.Load(r + 3 * step), v4 = TL.Load(r + 4 * step);
        TV v5 = TL.Load(r + 5 * step), v6 = TL.Load(r + 6 * step), v7 = TL.Load(r + 7 * step), v8 = TL.Load(r + 8 * step), v9 = TL.Load(r + 9 * step);
        a0 = Row3<TL, TV>(v0, v1, v2, wa, wb, wc, a0);
        a1 = Row3<TL, TV>(v1, v2, v3, wa, wb, wc, a1);
        a2 = Row3<TL, TV>(v2, v3, v4, wa, wb, wc, a2);
        a3 = Row3<TL, TV>(v3, v4, v5, wa, wb, wc, a3);
        a4 = Row3<TL, TV>(v4, v5, v6, wa, wb, wc, a4);
        a5 = Row3<TL, TV>(v5, v6, v7, wa, wb, wc, a5);
        a6 = Row3<TL, TV>(v6, v7, v8, wa, wb, wc, a6);
        a7 = Row3<TL, TV>(v7, v8, v9, wa, wb, wc, a7);
    }

    /// <summary>One kernel row of four neighbouring outputs: six input columns.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Row4<TL, TV>(float* r, long step, TV wa, TV wb, TV wc, ref TV a0, ref TV a1, ref TV a2, ref TV a3)
        where TL : struct, IChannelLanes<TV> where TV : unmanaged
    {
        TV v0 = TL.Load(r), v1 = TL.Load(r + step), v2 = TL.Load(r + 2 * step), v3 = TL.Load(r + 3 * step), v4 = TL.Load(r + 4 * step), v5 = TL.Load(r + 5 * step);
        a0 = Row3<TL, TV>(v0, v1, v2, wa, wb, wc, a0);
        a1 = Row3<TL, TV>(v1, v2, v3, wa, wb, wc, a1);
        a2 = Row3<TL, TV>(v2, v3, v4, wa, wb, wc, a2);
        a3 = Row3<TL, TV>(v3, v4, v5, wa, wb, wc, a3);
    }

    /// <summary>acc + x0·wa + x1·wb + x2·wc.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static TV Row3<TL, TV>(TV x0, TV x1, TV x2, TV wa, TV wb, TV wc, TV acc) where TL : struct, IChannelLanes<TV> where TV : unmanaged =>
        TL.Fma(x2, wc, TL.Fma(x1, wb, TL.Fma(x0, wa, acc)));

    /// <summary>One output pixel of a 3×3 kernel whose top-left tap is at <paramref name="p"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static TV Pixel3x3<TL, TV>(float* p, long dh, long dw, TV acc, TV w0, TV w1, TV w2, TV w3, TV w4, TV w5, TV w6, TV w7, TV w8)
        where TL : struct, IChannelLanes<TV> where TV : unmanaged
    {
        acc = Row3<TL, TV>(TL.Load(p), TL.Load(p + dw), TL.Load(p + 2 * dw), w0, w1, w2, acc);
        acc = Row3<TL, TV>(TL.Load(p + dh), TL.Load(p + dh + dw), TL.Load(p + dh + 2 * dw), w3, w4, w5, acc);
        return Row3<TL, TV>(TL.Load(p + 2 * dh), TL.Load(p + 2 * dh + dw), TL.Load(p + 2 * dh + 2 * dw), w6, w7, w8, acc);
    }

    /// <summary>Any kernel size: a loop over the taps, four output pixels per step.</summary>
    [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
    private void ComputeAny<TL, TV, TA>(float* buf, float* outBuf, TV* wv, TV vb, TV alpha, TV beta)
        where TL : struct, IChannelLanes<TV> where TV : unmanaged where TA : struct, IInRegisterActivation
    {
        var s = _s;
        int lanes = TL.Count, kh = s.KH, kw = s.KW;
        long rowStep = (long)s.DH * _wp * lanes, colStep = (long)s.DW * lanes, step = (long)s.SW * lanes;
        for (int oh = 0; oh < s.OH; oh++)
        {
            float* top = buf + (long)oh * s.SH * _wp * lanes;
            float* o = outBuf + (long)oh * s.OW * lanes;
            int ow = 0;
            for (; s.OW >= 4 && ow < s.OW; ow += 4)
            {
                ow = Math.Min(ow, s.OW - 4);
                float* p = top + ow * step;
                TV a0 = vb, a1 = vb, a2 = vb, a3 = vb;
                for (int i = 0; i < kh; i++)
                {
                    float* r = p + i * rowStep;
                    for (int k = 0; k < kw; k++)
                    {
                        var wt = wv[i * kw + k];
                        float* q = r + k * colStep;
                        a0 = TL.Fma(TL.Load(q), wt, a0);
                        a1 = TL.Fma(TL.Load(q + step), wt, a1);
                        a2 = TL.Fma(TL.Load(q + 2 * step), wt, a2);
                        a3 = TL.Fma(TL.Load(q + 3 * step), wt, a3);
                    }
                }
                Store4<TL, TV, TA>(a0, a1, a2, a3, o + ow * lanes, alpha, beta);
            }
            for (; ow < s.OW; ow++)
            {
                float* p = top + ow * step;
                var a = vb;
                for (int i = 0; i < kh; i++)
                    for (int k = 0; k < kw; k++)
                        a = TL.Fma(TL.Load(p + i * rowStep + k * colStep), wv[i * kw + k], a);
                TL.Store(TA.Apply<TL, TV>(a, alpha, beta), o + ow * lanes);
            }
        }
    }

    /// <summary>
    /// W [C, 1, KH, KW] as per-block tap vectors, [block][tap][<see cref="Block"/> lanes] (lanes past C zero), in a
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
    /// Fills the padded, channel-interleaved scratch: zero borders (rows outside the image's rows,
    /// columns outside its columns), then the image. The image is read plane-contiguously, a
    /// block's worth of pixels of every channel at a time through in-register transposes, whatever
    /// the width (a row break inside the group only changes where each pixel's vector is stored,
    /// via <see cref="_pixelOffset"/>); the last group overlaps the one before instead of falling
    /// back to scalar code, which on 14×14 and 7×7 planes was most of the layer's time.
    /// </summary>
    [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
    private void Interleave<TL, TV>(float* x, int inPlane, int count, float* buf)
        where TL : struct, IChannelLanes<TV> where TV : unmanaged
    {
        var s = _s;
        int lanes = TL.Count, wp = _wp, hp = _hp;
        int r0 = Math.Max(0, s.PT), r1 = Math.Min(hp, s.PT + s.H);
        int q0 = Math.Max(0, s.PL), q1 = Math.Min(wp, s.PL + s.W);
        long rowFloats = (long)wp * lanes;
        // Borders are a few pixels: one vector store each (Span.Clear calls cost more on 7×7 planes).
        var zero = TL.Zero;
        for (long i = 0; i < r0 * rowFloats; i += lanes) TL.Store(zero, buf + i);
        for (long i = r1 * rowFloats; i < hp * rowFloats; i += lanes) TL.Store(zero, buf + i);
        for (int r = r0; r < r1; r++)
        {
            float* dstRow = buf + r * rowFloats;
            for (int q = 0; q < q0; q++) TL.Store(zero, dstRow + q * lanes);
            for (int q = q1; q < wp; q++) TL.Store(zero, dstRow + q * lanes);
        }
        var offsets = _pixelOffset;
        if (offsets.Length < lanes)
        {
            // Planes under one group of pixels: element by element.
            for (int p = 0; p < offsets.Length; p++)
                for (int j = 0; j < lanes; j++) buf[offsets[p] + j] = j < count ? x[(long)j * inPlane + p] : 0f;
            return;
        }
        fixed (int* off = offsets)
            for (int p = 0; p < offsets.Length; p += lanes)
            {
                int p0 = Math.Min(p, offsets.Length - lanes); // the last group overlaps the one before
                TL.Interleave(x + p0, inPlane, count, off + p0, buf);
            }
    }

    /// <summary>Scratch offset (in floats) of every input pixel's vector: ((ih + PT)·wp + iw + PL)·Block.</summary>
    private readonly int[] _pixelOffset;

    /// <summary>y[j][p] = src[p·lanes + j] for the first <paramref name="count"/> channels, a group of pixels at a time.</summary>
    [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
    private static void Deinterleave<TL, TV>(float* src, int outPlane, int count, float* y)
        where TL : struct, IChannelLanes<TV> where TV : unmanaged
    {
        int lanes = TL.Count;
        if (outPlane < lanes)
        {
            for (int p = 0; p < outPlane; p++)
                for (int j = 0; j < count; j++) y[(long)j * outPlane + p] = src[(long)p * lanes + j];
            return;
        }
        for (int p = 0; p < outPlane; p += lanes)
        {
            int p0 = Math.Min(p, outPlane - lanes); // the last group overlaps the one before
            TL.Deinterleave(src + (long)p0 * lanes, count, y + p0, outPlane);
        }
    }
}
