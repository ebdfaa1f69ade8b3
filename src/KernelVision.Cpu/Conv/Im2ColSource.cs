using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using KernelVision.Cpu.Gemm;

namespace KernelVision.Cpu.Conv;

/// <summary>
/// The im2col matrix of one image and group as a GEMM B operand (K = Cg·KH·KW rows, N = OH·OW
/// columns), packed straight from the image into Sgemm's panels: the column matrix is never
/// materialised. The image is first copied into a zero-bordered scratch copy when the conv pads
/// (<see cref="PadInput"/>), so no tap ever needs a bounds check: row k = (c, kh, kw) of the
/// matrix is the padded channel c read from offset kh·DH·Wp + kw·DW, and the output pixels of a
/// panel split into runs along one output row, each a contiguous (stride 1) or every-other
/// (stride 2, de-interleaved with shuffles) read. Copies move whole vectors and may spill past the
/// end of a run into the slots the next run or row overwrites anyway.
/// Thread-safe: packing only reads. <see cref="Input"/> is set before each multiply.
/// </summary>
public sealed unsafe class Im2ColSource : IGemmPanelSource
{
    private const int V = 8;
    /// <summary>Floats of readable slack after a padded image (vector reads may run past the last element).</summary>
    private const int Slack = 2 * V;
    private readonly ConvShape _s;
    private readonly int[] _kOff;   // per k: c·Hp·Wp + kh·DH·Wp + kw·DW

    /// <summary>False packs a run that ends a panel off a vector boundary element by element (benchmarks flip it to compare).</summary>
    internal static bool VectorTails = true;

    /// <summary>A source for the 2-D (or 1-D) conv <paramref name="shape"/>.</summary>
    public Im2ColSource(ConvShape shape)
    {
        if (!shape.Is2D) throw new ArgumentException("Im2ColSource needs a 1-D or 2-D conv", nameof(shape));
        _s = shape;
        NeedsPadding = shape.PT != 0 || shape.PL != 0 || shape.PB != 0 || shape.PR != 0;
        Hp = shape.H + shape.PT + shape.PB;
        Wp = shape.W + shape.PL + shape.PR;
        _kOff = new int[shape.Cg * shape.KH * shape.KW];
        int i = 0;
        for (int c = 0; c < shape.Cg; c++)
            for (int kh = 0; kh < shape.KH; kh++)
                for (int kw = 0; kw < shape.KW; kw++, i++)
                    _kOff[i] = c * Hp * Wp + kh * shape.DH * Wp + kw * shape.DW;
        if (shape.SH is 1 or 2 && shape.SW is 1 or 2)
        {
            GridWidth = GridWidthOf(shape);
            // A phase of a stride-2 axis holds every other padded row (column); taps whose offset
            // along it is even read phase 0 only, so an axis whose taps are all even needs one.
            _phaseRows = shape.SH == 2 && shape.KH > 1 && shape.DH % 2 == 1 ? 2 : 1;
            _phaseCols = shape.SW == 2 && shape.KW > 1 && shape.DW % 2 == 1 ? 2 : 1;
            _halo = (shape.KH - 1) * shape.DH / shape.SH;
            _overrun = (shape.KW - 1) * shape.DW / shape.SW;
            _gridOff = GridOffsetsFor(BandPlane(shape.OH));
        }
    }

    /// <summary>
    /// Width of the in-place path's grid of output pixels: the padded width for stride 1, the
    /// width of a column phase, ⌈Wp/2⌉, for stride 2; only the first OW of each row are outputs.
    /// </summary>
    internal static int GridWidthOf(ConvShape s)
    {
        int wp = s.W + s.PL + s.PR;
        return (wp + s.SW - 1) / s.SW;
    }

    /// <summary>
    /// Per k = (c, kh, kw), the offset the in-place path's grid reads row k from, channels
    /// <paramref name="plane"/> floats apart (see <see cref="RowOffsets"/>).
    /// </summary>
    private int[] GridOffsetsFor(int plane)
    {
        var s = _s;
        int phase = plane / (_phaseRows * _phaseCols);
        var offsets = new int[s.Cg * s.KH * s.KW];
        int i = 0;
        for (int c = 0; c < s.Cg; c++)
            for (int kh = 0; kh < s.KH; kh++)
                for (int kw = 0; kw < s.KW; kw++, i++)
                {
                    int dy = kh * s.DH, dx = kw * s.DW;
                    int p = dy % s.SH * _phaseCols + dx % s.SW;
                    offsets[i] = c * plane + p * phase + dy / s.SH * GridWidth + dx / s.SW;
                }
        return offsets;
    }

    /// <summary>True when the input must go through <see cref="PadInput"/> first.</summary>
    public bool NeedsPadding { get; }

    /// <summary>Padded height and width.</summary>
    public int Hp { get; }
    /// <summary>Padded width.</summary>
    public int Wp { get; }

    /// <summary>Floats <see cref="PadInput"/> writes (slack included).</summary>
    public long PaddedFloats => (long)_s.Cg * Hp * Wp + Slack;

    // The in-place path's layout (strides 1 and 2 only): each channel's padded rows split into
    // phases by row and column parity (one phase for stride 1), each phase GridWidth wide.
    private readonly int _phaseRows = 1, _phaseCols = 1;
    private readonly int _halo, _overrun; // the window's extent below and right of its first tap, in phase rows and columns
    private readonly int[] _gridOff = [];

    /// <summary>
    /// Row width of the in-place path's grid and of its padded source's phases: an output pixel
    /// (oh, ow) is grid column oh·GridWidth + ow, and with stride 2 its tap (kh, kw) is the phase
    /// (kh mod 2, kw mod 2) of the padded image at phase row oh + kh/2, column ow + kw/2, a
    /// stride-1 read, so every tap's row of B is its phase read in place along the grid.
    /// </summary>
    internal int GridWidth { get; }

    /// <summary>
    /// Offset of im2col row k = (c, kh, kw) in the padded (phase-split, for stride 2) image of
    /// <see cref="PadBand"/> over all OH output rows (channels <see cref="BandPlane"/>(OH) floats
    /// apart): over the grid of output pixels (<see cref="GridWidth"/> columns per output row, the
    /// last GridWidth − OW of them not real outputs), that row is the padded image itself from
    /// this offset on, which <see cref="GemmOperand.RowTableB"/> lets the microkernels read in place.
    /// </summary>
    internal int[] RowOffsets => _gridOff;

    /// <summary>
    /// Floats per channel of a band of at most <paramref name="rows"/> output rows: each of its
    /// phases' rows (the padded rows for stride 1), the output rows plus the window's halo below.
    /// </summary>
    internal int BandPlane(int rows) => _phaseRows * _phaseCols * (rows + _halo) * GridWidth;

    /// <summary><see cref="RowOffsets"/> for a band's padded rows (<see cref="PadBand"/>), channels <paramref name="plane"/> floats apart; pinned.</summary>
    internal int[] BandRowOffsets(int plane)
    {
        var offsets = GridOffsetsFor(plane);
        var pinned = GC.AllocateUninitializedArray<int>(offsets.Length, pinned: true);
        offsets.CopyTo(pinned, 0);
        return pinned;
    }

    /// <summary>Floats <see cref="PadBand"/> writes for channels <paramref name="plane"/> floats apart (the grid reads' overrun and tail included).</summary>
    internal long BandFloats(int plane) => (long)_s.Cg * plane + BandTail;

    /// <summary>
    /// Zeroed floats after the last channel: the last grid row's shifted reads run the window's
    /// extent past it, and the grid's columns, rounded up to half a column panel, up to NR/2 more;
    /// plus the vector slack.
    /// </summary>
    private int BandTail => _overrun + GemmKernel.Best.NR / 2 + Slack;

    /// <summary>
    /// Copies the padded input rows that output rows [<paramref name="oh0"/>, +<paramref name="rows"/>)
    /// read (their own and the halo below) of every channel at <paramref name="x"/> into
    /// <paramref name="dst"/>, channels <paramref name="plane"/> floats apart, split into phases
    /// for stride 2 (<see cref="PadBandChannel"/>), and zeroes the tail (<see cref="BandFloats"/>):
    /// a grid row's last columns read past the band's rows, into columns that are not real
    /// outputs, and those must not hold garbage (a NaN or denormal there costs time, not correctness).
    /// </summary>
    internal void PadBand(float* x, float* dst, int plane, int oh0, int rows)
    {
        for (int c = 0; c < _s.Cg; c++) PadBandChannel(x, dst, plane, oh0, rows, c);
        PadBandTail(dst, plane);
    }

    /// <summary>The zeroed tail after <see cref="PadBand"/>'s last channel (channels may be padded concurrently with <see cref="PadBandChannel"/>).</summary>
    internal void PadBandTail(float* dst, int plane) => Zero(dst + (long)_s.Cg * plane, BandTail);

    /// <summary>
    /// <see cref="PadBand"/>'s channel <paramref name="c"/>: the phases one after another, each
    /// plane / phases floats, its rows [<paramref name="oh0"/>, +rows + halo) and then zeros.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal void PadBandChannel(float* x, float* dst, int plane, int oh0, int rows, int c)
    {
        var s = _s;
        int used = rows + _halo, gw = GridWidth;
        float* src = x + (long)c * s.H * s.W, d = dst + (long)c * plane;
        if (s.SH == 1 && s.SW == 1)
        {
            PadRows(src, d, oh0, oh0 + used);
            Zero(d + used * gw, plane - used * gw);
            return;
        }
        int phase = plane / (_phaseRows * _phaseCols);
        for (int py = 0; py < _phaseRows; py++)
        {
            float* d0 = d + py * _phaseCols * phase, d1 = d0 + phase; // column phases 0 and 1
            for (int r = oh0; r < oh0 + used; r++, d0 += gw, d1 += gw)
            {
                int ih = r * s.SH + py - s.PT;
                if ((uint)ih >= (uint)s.H)
                {
                    Zero(d0, gw);
                    if (_phaseCols == 2) Zero(d1, gw);
                }
                else if (s.SW == 1)
                {
                    Zero(d0, s.PL);
                    Copy(src + (long)ih * s.W, d0 + s.PL, s.W);
                    Zero(d0 + s.PL + s.W, s.PR);
                }
                else if (_phaseCols == 2) PhaseSplitPlane.SplitRow2(src + (long)ih * s.W, s.W, s.PL, gw, d0, d1);
                else PhaseSplitPlane.EvenColumns(src + (long)ih * s.W, s.W, s.PL, gw, d0);
            }
            for (int px = 0; px < _phaseCols; px++)
                Zero(d + (py * _phaseCols + px) * phase + used * gw, phase - used * gw);
        }
    }

    /// <summary>GEMM depth K = Cg·KH·KW.</summary>
    public int K => _kOff.Length;

    /// <summary>The (padded) first channel of the group in the current image.</summary>
    public float* Input { get; private set; }

    /// <summary>End of the readable memory behind <see cref="Input"/>.</summary>
    private float* _limit;

    /// <summary>Uses the group's channels at <paramref name="x"/> as they are (the conv does not pad).</summary>
    public void SetInput(float* x)
    {
        if (NeedsPadding) throw new InvalidOperationException("this conv pads: use PadInput");
        Input = x;
        _limit = x + (long)_s.Cg * _s.H * _s.W;
    }

    /// <summary>Copies the group's channels at <paramref name="x"/> into <paramref name="padded"/> (<see cref="PaddedFloats"/> floats) with zero borders, and reads from there.</summary>
    public void PadInput(float* x, float* padded)
    {
        for (int c = 0; c < _s.Cg; c++) PadChannel(x, padded, c);
        UsePadded(padded);
    }

    /// <summary>Pads channel <paramref name="c"/> only (channels may be padded concurrently); finish with <see cref="UsePadded"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public void PadChannel(float* x, float* padded, int c)
    {
        PadRows(x + (long)c * _s.H * _s.W, padded + (long)c * Hp * Wp, 0, Hp);
    }

    /// <summary>Padded rows [<paramref name="r0"/>, <paramref name="r1"/>) of the channel at <paramref name="plane"/>, written from <paramref name="d"/> on.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private void PadRows(float* plane, float* d, int r0, int r1)
    {
        var s = _s;
        int wp = Wp;
        // The top and bottom pad rows, then the image rows with their left and right pads.
        int top = Math.Clamp(s.PT, r0, r1), bottom = Math.Clamp(s.PT + s.H, top, r1);
        Zero(d, (top - r0) * wp);
        d += (top - r0) * wp;
        for (int r = top; r < bottom; r++, d += wp)
        {
            Zero(d, s.PL);
            Copy(plane + (long)(r - s.PT) * s.W, d + s.PL, s.W);
            Zero(d + s.PL + s.W, s.PR);
        }
        Zero(d, (r1 - bottom) * wp);
    }

    /// <summary>Reads from <paramref name="padded"/>, whose channels <see cref="PadChannel"/> has filled.</summary>
    public void UsePadded(float* padded)
    {
        float* end = padded + (long)_s.Cg * Hp * Wp;
        Zero(end, Slack);
        Input = padded;
        _limit = end + Slack;
    }

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public void PackPanel(float* dst, int width, int x0, int count, int k0, int kc)
    {
        var s = _s;
        int ow0 = s.OW, sw = s.SW;
        // Runs of consecutive output pixels within one output row: (dst offset, source offset, length).
        int maxRuns = count / Math.Max(1, ow0) + 2;
        int* runs = stackalloc int[3 * maxRuns];
        int nRuns = 0;
        {
            int oh = x0 / ow0, ow = x0 - oh * ow0;
            for (int x = 0; x < count;)
            {
                int len = Math.Min(ow0 - ow, count - x);
                int* r = runs + 3 * nRuns++;
                r[0] = x;
                r[1] = oh * s.SH * Wp + ow * sw;
                r[2] = len;
                x += len;
                oh++;
                ow = 0;
            }
        }
        float* input = Input, limit = _limit;
        fixed (int* kOffAll = _kOff)
        {
            int* kOff = kOffAll + k0;
            // Run by run, so the inner loop over k has a fixed length and destination offset.
            for (int ri = 0; ri < nRuns; ri++)
            {
                int* r = runs + 3 * ri;
                float* d = dst + r[0];
                float* b = input + r[1];
                int len = r[2];
                int full = (len + V - 1) & ~(V - 1);
                // Whole-vector copies may spill past the run into slots written later in the same
                // row, never past the row. A run that ends the panel's row off a vector boundary
                // cannot spill: its last vector then overlaps the one before and ends with the run
                // (or, under one vector, is masked), instead of a scalar copy: on 13-, 27- and
                // 111-wide outputs most panels end that way.
                bool spill = r[0] + full <= width, overlap = !spill && len >= V && VectorTails;
                // The reads end at the run's (spilled) end, at most that of the readable input.
                bool whole = Vector256.IsHardwareAccelerated && (spill || overlap)
                    && b + kOff[kc - 1] + (long)sw * (spill ? full : len) <= limit;
                int last = len - V; // the overlapping last vector's start
                if (sw == 1 && whole && spill)
                {
                    if (full == V)
                        for (int kk = 0; kk < kc; kk++, d += width)
                            Vector256.Store(Vector256.Load(b + kOff[kk]), d);
                    else if (full == 2 * V)
                        for (int kk = 0; kk < kc; kk++, d += width)
                        {
                            float* src = b + kOff[kk];
                            Vector256.Store(Vector256.Load(src), d);
                            Vector256.Store(Vector256.Load(src + V), d + V);
                        }
                    else
                        for (int kk = 0; kk < kc; kk++, d += width)
                        {
                            float* src = b + kOff[kk];
                            for (int j = 0; j < len; j += V) Vector256.Store(Vector256.Load(src + j), d + j);
                        }
                }
                else if (sw == 1 && whole)
                {
                    for (int kk = 0; kk < kc; kk++, d += width)
                    {
                        float* src = b + kOff[kk];
                        for (int j = 0; j < last; j += V) Vector256.Store(Vector256.Load(src + j), d + j);
                        Vector256.Store(Vector256.Load(src + last), d + last);
                    }
                }
                else if (sw == 1 && Avx.IsSupported && len < V && VectorTails)
                {
                    // Under one vector: masked lanes neither read nor write.
                    var mask = Vector256.LessThan(Vector256.Create(0, 1, 2, 3, 4, 5, 6, 7), Vector256.Create(len)).AsSingle();
                    for (int kk = 0; kk < kc; kk++, d += width) Avx.MaskStore(d, mask, Avx.MaskLoad(b + kOff[kk], mask));
                }
                else if (sw == 1)
                {
                    for (int kk = 0; kk < kc; kk++, d += width) Copy(b + kOff[kk], d, len);
                }
                else if (sw == 2 && whole && Avx2.IsSupported)
                {
                    for (int kk = 0; kk < kc; kk++, d += width)
                    {
                        float* src = b + kOff[kk];
                        int j0 = 0;
                        if (Avx512F.IsSupported && VectorTails)
                        {
                            // 16 outputs from 32 inputs with one two-source permute; the reads and
                            // writes stay within those of the 8-wide steps they replace.
                            var even = Vector512.Create(0, 2, 4, 6, 8, 10, 12, 14, 16, 18, 20, 22, 24, 26, 28, 30);
                            for (int stop = (spill ? full : len) - 2 * V; j0 <= stop; j0 += 2 * V)
                                Avx512F.PermuteVar16x32x2(Vector512.Load(src + 2 * j0), even, Vector512.Load(src + 2 * j0 + 2 * V)).Store(d + j0);
                        }
                        for (; j0 < len; j0 += V)
                        {
                            int j = spill ? j0 : Math.Min(j0, last);
                            var a = Avx.LoadVector256(src + 2 * j);
                            var c = Avx.LoadVector256(src + 2 * j + V);
                            var e = Avx.Shuffle(a, c, 0b10_00_10_00); // [a0 a2 c0 c2 | a4 a6 c4 c6]
                            Avx.Store(d + j, Avx2.Permute4x64(e.AsDouble(), 0b11_01_10_00).AsSingle());
                        }
                    }
                }
                else
                {
                    for (int kk = 0; kk < kc; kk++, d += width)
                    {
                        float* src = b + kOff[kk];
                        for (int j = 0; j < len; j++) d[j] = src[j * sw];
                    }
                }
            }
        }
        if (count < width)
            for (int kk = 0; kk < kc; kk++) Zero(dst + (long)kk * width + count, width - count);
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
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
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
