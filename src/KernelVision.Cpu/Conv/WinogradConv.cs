using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using KernelVision.Cpu.Gemm;
using KernelVision.Cpu.Memory;
using KernelVision.Cpu.Threading;
using KernelVision.Ops;

namespace KernelVision.Cpu.Conv;

/// <summary>
/// Winograd F(4×4, 3×3) and F(2×2, 3×3) for 2-D 3×3 convolutions with stride 1 and dilation 1
/// (Lavin and Gray, "Fast Algorithms for Convolutional Neural Networks", 2015). Each m×m output
/// tile comes from an (m+2)×(m+2) input tile: Y = Aᵀ[(G g Gᵀ) ⊙ (Bᵀ d B)]A. Summed over input
/// channels, the element-wise product becomes (m+2)² independent GEMMs, U[e] (Mg × Cg, weights
/// transformed and packed once) times V[e] (Cg × tiles): for F(4×4) 36 multiply-adds per tile and
/// channel pair instead of 144 (4× fewer), for F(2×2) 16 instead of 36 (2.25×). F(4×4) serves
/// maps with at least 16 tiles of 4×4; F(2×2) the small maps (7×7: 16 tiles of 2×2, but only 4 of 4×4).
/// The transforms are vectorised over 8 tiles at a time: each input channel is first laid out in
/// m phases along the width (<see cref="PhaseSplitPlane"/>), from which each tile pixel of a
/// whole tile row is one contiguous run, gathered into [pixel][tile] rows. Tiles of all images of
/// the batch share one GEMM (wider N). Float32 rounding is a few times larger than direct
/// convolution (F(4×4) transform constants reach 8), still well inside the 1e-4·max|y| the
/// backends are held to.
/// </summary>
public sealed unsafe class WinogradConv
{
    private const int V = 8;
    private readonly int _tile;  // m: output tile side, 4 or 2
    private readonly int _alpha; // m + 2: input tile side
    private readonly int E;      // (m + 2)²: transformed tile elements, one GEMM each
    private readonly ConvShape _s;
    private readonly int _th, _tw, _tiles, _rows, _lw;
    private readonly int _qStride;           // floats per pixel row of the gathered tiles (T of one image + slack)
    private readonly long _vFloats, _mFloats; // V[e][Cg][N·T] and M[e][Mg][N·T] (+ slack), in the caller's thread scratch
    private readonly int[] _tileOff;         // per tile of one image: offset of its top-left output
    private readonly byte[] _tileRows, _tileCols; // valid output rows and columns of each tile (4 inside, fewer at the edge)

    // Per-run state read by the task bodies.
    private float* _x, _y, _bias, _v, _m, _z;
    private int _group;
    private WinogradWeights? _w;
    private FusedActivation _act, _finalAct;

    /// <summary>
    /// Prepares the transforms and buffers for <paramref name="shape"/> (see <see cref="Supports"/>)
    /// with output tiles of <paramref name="tile"/> (4 or 2; 0 picks <see cref="ChooseTile"/>, or 2).
    /// </summary>
    public WinogradConv(ConvShape shape, int tile = 0)
    {
        if (!Supports(shape)) throw new ArgumentException("Winograd needs a 2-D 3x3 conv with stride 1 and dilation 1", nameof(shape));
        if (tile == 0) tile = ChooseTile(shape) is var t && t != 0 ? t : 2;
        if (tile is not (2 or 4)) throw new ArgumentOutOfRangeException(nameof(tile), tile, "Winograd tiles are 4x4 or 2x2");
        _tile = tile;
        _alpha = tile + 2;
        E = _alpha * _alpha;
        _s = shape;
        _th = (shape.OH + tile - 1) / tile;
        _tw = (shape.OW + tile - 1) / tile;
        _tiles = shape.N * _th * _tw;
        _rows = tile * _th + 2;
        _lw = (_tw + V - 1) / V * V + 2;
        int perImage = _th * _tw;
        _qStride = (perImage + V - 1) / V * V + V;
        _vFloats = (long)E * BlockStride(shape.Cg) + V;
        _mFloats = (long)E * BlockStride(shape.Mg) + V;
        _tileOff = new int[perImage];
        _tileRows = new byte[perImage];
        _tileCols = new byte[perImage];
        for (int ty = 0; ty < _th; ty++)
            for (int tx = 0; tx < _tw; tx++)
            {
                int t = ty * _tw + tx;
                _tileOff[t] = tile * ty * shape.OW + tile * tx;
                _tileRows[t] = (byte)Math.Min(tile, shape.OH - tile * ty);
                _tileCols[t] = (byte)Math.Min(tile, shape.OW - tile * tx);
            }
    }

    /// <summary>True for 2-D 3×3 stride-1 dilation-1 convs (of a size whose buffers can be indexed).</summary>
    public static bool Supports(ConvShape s) =>
        s.Is2D && s.KH == 3 && s.KW == 3 && s.SH == 1 && s.SW == 1 && s.DH == 1 && s.DW == 1 && s.OH > 0 && s.OW > 0
        && 16L * Math.Max(s.Cg, s.Mg) * s.N * ((s.OH + 1) / 2) * ((s.OW + 1) / 2) < int.MaxValue / 2;

    /// <summary>
    /// Whether the automatic choice may pick F(4×4, 3×3) (default on). It cuts the multiplies 4×
    /// where F(2×2) cuts them 2.25×, and keeps 36/9 = 4× the weights (F(2×2): 16/9). Its points
    /// are 0, 1, −1, 1/2, −2 (and ∞), not the usual 0, ±1, ±2: with the usual ones the largest
    /// coefficients (8 in Aᵀ, 5 in Bᵀ) cost Inception-v3 1.26e-4·max|out| against PyTorch, over the
    /// 1e-4 bar; these points (Barabasz et al., "Error analysis and improving the accuracy of
    /// Winograd convolution for DNNs") cut a 256-channel layer's float32 error by a third (simulated:
    /// 3.2e-6 → 2.1e-6 relative), and Inception-v3 with F(4×4) wherever the rules allow it ends at
    /// 5.4e-5 from the Reference kernels (F(2×2) only: 3.1e-5). On Zen 5 the tuner picks it for
    /// ResNet-18's 56² and 28² layers (0.66 → 0.57 ms) and most of VGG-11's.
    /// Explicit tiles (<see cref="WinogradConv(ConvShape, int)"/>) are unaffected.
    /// </summary>
    public static bool LargeTilesEnabled { get; set; } = true;

    /// <summary>
    /// The tile that should beat the im2col GEMM for <paramref name="s"/>, or 0: F(2×2) when there
    /// are at least 16 tiles and enough channels (32) for the per-element GEMMs to run near peak;
    /// F(4×4) instead when <paramref name="largeTiles"/> (default <see cref="LargeTilesEnabled"/>)
    /// and there are 16 tiles of 4×4.
    /// </summary>
    public static int ChooseTile(ConvShape s, bool? largeTiles = null)
    {
        if (!Supports(s) || !Vector256.IsHardwareAccelerated) return 0;
        long tiles4 = (long)s.N * ((s.OH + 3) / 4) * ((s.OW + 3) / 4);
        long tiles2 = (long)s.N * ((s.OH + 1) / 2) * ((s.OW + 1) / 2);
        if ((largeTiles ?? LargeTilesEnabled) && tiles4 >= 16 && s.Cg >= 16 && s.Mg >= 16) return 4;
        if (tiles2 >= 16 && s.Cg >= 32 && s.Mg >= 32) return 2;
        return 0;
    }

    /// <summary>Output tile side of this instance (4 or 2).</summary>
    public int Tile => _tile;

    /// <summary>Bytes of the transform buffers a run borrows from the calling thread's scratch.</summary>
    public long ScratchBytes => (_vFloats + _mFloats) * sizeof(float);

    /// <summary>
    /// Transforms W [M, Cg, 3, 3] into U[g][e] = (G g Gᵀ)[e] as Mg × Cg GEMM A operands, packed.
    /// A block of output channels at a time: the unpacked U of a whole layer is α² = 36 times
    /// the block's weights, and materialising it for a 512×512 layer would be 38 MB of garbage.
    /// </summary>
    public WinogradWeights TransformWeights(ReadOnlySpan<float> w)
    {
        var s = _s;
        int mg = s.Mg, cg = s.Cg, a = _alpha;
        var kernel = GemmKernel.Best;
        int block = Math.Min(mg, kernel.MR * Math.Max(1, 48 / kernel.MR));
        var packed = new PackedMatrix[s.G][];
        var u = new float[E * block * cg];
        Span<double> t = stackalloc double[6 * 3];
        Span<double> row = stackalloc double[6];
        for (int g = 0; g < s.G; g++)
        {
            packed[g] = new PackedMatrix[E];
            for (int e = 0; e < E; e++) packed[g][e] = Sgemm.AllocatePackedA(mg, cg, kernel);
            for (int m0 = 0; m0 < mg; m0 += block)
            {
                int rows = Math.Min(block, mg - m0);
                for (int m = m0; m < m0 + rows; m++)
                    for (int c = 0; c < cg; c++)
                    {
                        var k = w.Slice(((g * mg + m) * cg + c) * 9, 9);
                        // t = G·k (α×3), then u = t·Gᵀ (α×α).
                        for (int j = 0; j < 3; j++)
                        {
                            ApplyG(k[j], k[3 + j], k[6 + j], row);
                            for (int i = 0; i < a; i++) t[i * 3 + j] = row[i];
                        }
                        for (int i = 0; i < a; i++)
                        {
                            ApplyG(t[i * 3], t[i * 3 + 1], t[i * 3 + 2], row);
                            for (int j = 0; j < a; j++) u[((i * a + j) * block + (m - m0)) * cg + c] = (float)row[j];
                        }
                    }
                fixed (float* pu = u)
                    for (int e = 0; e < E; e++)
                    {
                        // Row m of the operand is row m − m0 of this block's slice of u.
                        float* first = pu + (long)e * block * cg - (long)m0 * cg;
                        Sgemm.PackRowsA(GemmOperand.MatrixA(first, cg), packed[g][e], m0, rows);
                    }
            }
        }
        return new WinogradWeights(packed);
    }

    /// <summary>r = G·(k0, k1, k2) in double.</summary>
    private void ApplyG(double k0, double k1, double k2, Span<double> r)
    {
        if (_tile == 4)
        {
            // G rows: [1 0 0], [1/3 1/3 1/3], [−1/3 1/3 −1/3], [−16/15 −8/15 −4/15], [1/15 −2/15 4/15], [0 0 1]
            r[0] = k0;
            r[1] = (k0 + k1 + k2) / 3;
            r[2] = -(k0 - k1 + k2) / 3;
            r[3] = -(16 * k0 + 8 * k1 + 4 * k2) / 15;
            r[4] = (k0 - 2 * k1 + 4 * k2) / 15;
            r[5] = k2;
        }
        else
        {
            // G rows: [1 0 0], [1/2 1/2 1/2], [1/2 −1/2 1/2], [0 0 1]
            r[0] = k0;
            r[1] = (k0 + k1 + k2) / 2;
            r[2] = (k0 - k1 + k2) / 2;
            r[3] = k2;
        }
    }

    /// <summary>
    /// Y = act(conv(X, W) + bias (+ residual)) for the whole batch: <paramref name="x"/> [N, C, H, W],
    /// <paramref name="y"/> [N, M, OH, OW], <paramref name="bias"/> [M] or null, <paramref name="residual"/>
    /// of Y's shape or null (added to each output plane as soon as it is written, while it is in cache).
    /// </summary>
    public void Run(float* x, WinogradWeights w, float* bias, float* y, FusedActivation act, CpuThreadPool pool, float* residual = null)
    {
        var s = _s;
        _x = x; _y = y; _bias = bias; _w = w; _z = residual;
        // With a residual the activation comes after it, on each finished plane.
        _act = residual == null ? act : default;
        _finalAct = act;
        // V and M live in the calling thread's scratch, shared by all Winograd layers; the tasks
        // use other slots (Temp0/Temp1 for the input transform, the GEMM's own packing slots).
        _v = ThreadScratch.Get(ScratchSlot.Im2Col, _vFloats);
        _m = ThreadScratch.Get(ScratchSlot.Temp2, _mFloats);
        Im2ColSource.Zero(_m + _mFloats - V, V); // slack the last output block reads (and discards)
        try
        {
            for (int g = 0; g < s.G; g++)
            {
                _group = g;
                pool.ParallelFor(s.N * s.Cg, this, static (self, i) => self.InputTask(i));
                pool.ParallelFor(E, this, static (self, e) => self.GemmTask(e));
                pool.ParallelFor(s.N * s.Mg, this, static (self, i) => self.OutputTask(i));
            }
        }
        finally
        {
            _x = _y = _bias = _v = _m = _z = null;
            _w = null;
        }
    }

    private void GemmTask(int e)
    {
        var s = _s;
        long vStride = BlockStride(s.Cg), mStride = BlockStride(s.Mg);
        Sgemm.Multiply(s.Mg, _tiles, s.Cg, 1f, GemmOperand.FromPacked(_w!.Packed[_group][e]),
            GemmOperand.MatrixB(_v + e * vStride, _tiles), 0f, _m + e * mStride, _tiles);
    }

    /// <summary>V[e][c][tiles of image n] = (Bᵀ d B)[e] for every tile of input channel c of image n.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void InputTask(int i)
    {
        var s = _s;
        int n = i / s.Cg, c = i % s.Cg;
        int m = _tile, a = _alpha;
        int lw = _lw, rowStride = m * lw, tw = _tw, t1 = _th * _tw, qs = _qStride;
        // 1. The channel, zero-padded and split into m phases along the width.
        float* buf = ThreadScratch.Get(ScratchSlot.Temp0, (long)(_rows + 1) * rowStride + 2 * V);
        float* plane = _x + ((long)n * s.C + (long)_group * s.Cg + c) * s.H * s.W;
        PhaseSplitPlane.Fill(plane, s.H, s.W, s.PT, s.PL, _rows, m, lw, buf, buf + (long)_rows * rowStride);
        // 2. Q[i][j][t] = pixel (i, j) of tile t: for a tile row, pixel (i, j) of its tiles is a contiguous run.
        float* q = ThreadScratch.Get(ScratchSlot.Temp1, (long)E * qs);
        for (int ty = 0; ty < _th; ty++)
            for (int r = 0; r < a; r++)
            {
                float* rowp = buf + (long)(m * ty + r) * rowStride;
                for (int j = 0; j < a; j++)
                {
                    // Whole vectors: the spill past tw lands in the next tile row's slots (written
                    // next) or in the slack; the phase row has room for the over-read.
                    float* src = rowp + j % m * lw + j / m;
                    float* dst = q + (long)(a * r + j) * qs + ty * tw;
                    for (int k = 0; k < tw; k += V) Vector256.Store(Vector256.Load(src + k), dst + k);
                }
            }
        for (int e = 0; e < E; e++) Im2ColSource.Zero(q + (long)e * qs + t1, qs - t1); // slack the last block reads
        // 3. Bᵀ d B on 8 tiles at a time.
        long eStride = BlockStride(s.Cg);
        float* vBase = _v + (long)c * _tiles + (long)n * t1;
        var tmp = stackalloc Vector256<float>[36];
        var outs = stackalloc Vector256<float>[6];
        for (int t = 0; t < t1; t += V)
        {
            int count = Math.Min(V, t1 - t);
            float* dst = vBase + t;
            if (m == 4)
            {
                for (int j = 0; j < 6; j++)
                {
                    float* p = q + (long)j * qs + t;
                    BtColumn(Vector256.Load(p), Vector256.Load(p + 6 * qs), Vector256.Load(p + 12 * qs),
                        Vector256.Load(p + 18 * qs), Vector256.Load(p + 24 * qs), Vector256.Load(p + 30 * qs), tmp + j, 6);
                }
                for (int r = 0; r < 6; r++)
                {
                    var row = tmp + 6 * r;
                    BtColumn(row[0], row[1], row[2], row[3], row[4], row[5], outs, 1);
                    StoreRow(outs, 6, dst + 6 * r * eStride, eStride, count);
                }
            }
            else
            {
                for (int j = 0; j < 4; j++)
                {
                    float* p = q + (long)j * qs + t;
                    Bt2Column(Vector256.Load(p), Vector256.Load(p + 4 * qs), Vector256.Load(p + 8 * qs), Vector256.Load(p + 12 * qs), tmp + j, 4);
                }
                for (int r = 0; r < 4; r++)
                {
                    var row = tmp + 4 * r;
                    Bt2Column(row[0], row[1], row[2], row[3], outs, 1);
                    StoreRow(outs, 4, dst + 4 * r * eStride, eStride, count);
                }
            }
        }
    }

    /// <summary>
    /// Floats from one transformed element's block of V (or M) to the next: <paramref name="channels"/>
    /// rows of all tiles, then a 64-byte skew. The transforms write (read) all 36 blocks at once, and
    /// blocks a multiple of 4 KiB apart (VGG-11's 64 channels × 28² tiles at 112², 256 × 14² at 56²,
    /// 512 × 4² at 14²) share L1 sets: an F(4×4) input transform ran 1.7× as long that way.
    /// </summary>
    private long BlockStride(int channels) => (long)channels * _tiles + _skew;

    private readonly int _skew = SkewBlocks ? 16 : 0; // fixed per instance: the scratch sizes depend on it

    /// <summary>Off: the blocks follow each other without the skew (benchmarks' A/B switch; read when a layer is planned).</summary>
    internal static bool SkewBlocks { get; set; } = true;

    /// <summary>Stores n vectors to dst + j·stride (only <paramref name="count"/> lanes of each at the last block).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void StoreRow(Vector256<float>* v, int n, float* dst, long stride, int count)
    {
        if (count == V)
            for (int j = 0; j < n; j++) Vector256.Store(v[j], dst + j * stride);
        else
            for (int j = 0; j < n; j++) StorePartial(v[j], dst + j * stride, count);
    }

    /// <summary>out[k·stride] = (Bᵀ z)[k] for F(2×2): Bᵀ rows [1 0 −1 0], [0 1 1 0], [0 −1 1 0], [0 1 0 −1].</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Bt2Column(Vector256<float> z0, Vector256<float> z1, Vector256<float> z2, Vector256<float> z3, Vector256<float>* o, int stride)
    {
        o[0] = z0 - z2;
        o[stride] = z1 + z2;
        o[2 * stride] = z2 - z1;
        o[3 * stride] = z1 - z3;
    }

    private static void StorePartial(Vector256<float> v, float* dst, int n)
    {
        for (int i = 0; i < n; i++) dst[i] = v.GetElement(i);
    }

    /// <summary>out[k·stride] = (Bᵀ z)[k] for k &lt; 6.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void BtColumn(Vector256<float> z0, Vector256<float> z1, Vector256<float> z2, Vector256<float> z3,
        Vector256<float> z4, Vector256<float> z5, Vector256<float>* o, int stride)
    {
        var half = Vector256.Create(0.5f);
        var threeHalves = Vector256.Create(1.5f);
        var two = Vector256.Create(2f);
        var fiveHalves = Vector256.Create(2.5f);
        // Bᵀ rows: [1 −3/2 −2 3/2 1 0], [0 −1 1/2 5/2 1 0], [0 1 −5/2 1/2 1 0], [0 −2 −1 2 1 0], [0 1/2 −1 −1/2 1 0], [0 1 −3/2 −2 3/2 1]
        var d = z3 - z1;                 // shared by rows 0, 3, 4
        var c = z4 - z2;                 // shared by rows 3, 4, 5
        o[0] = z0 + z4 - two * z2 + threeHalves * d;
        o[stride] = z4 - z1 + half * z2 + fiveHalves * z3;
        o[2 * stride] = z4 + z1 - fiveHalves * z2 + half * z3;
        o[3 * stride] = c + two * d;
        o[4 * stride] = c - half * d;
        o[5 * stride] = z5 + z1 - two * z3 + threeHalves * c;
    }

    /// <summary>Y[n, m] tiles = act(Aᵀ M A + bias) for output channel m of image n.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void OutputTask(int i)
    {
        var s = _s;
        int n = i / s.Mg, m = i % s.Mg;
        int mAbs = _group * s.Mg + m;
        int t1 = _th * _tw, ow = s.OW;
        long eStride = BlockStride(s.Mg);
        float* mBase = _m + (long)m * _tiles + (long)n * t1;
        float* y = _y + ((long)n * s.M + mAbs) * s.OH * ow;
        var bias = Vector256.Create(_bias == null ? 0f : _bias[mAbs]);
        var act = _act;
        bool inReg = ConvEpilogue.InRegister(act);
        var tmp = stackalloc Vector256<float>[24]; // up to 4 rows × 6 columns
        var o = stackalloc Vector256<float>[4];
        var chunk = stackalloc Vector128<float>[V];
        fixed (int* tileOff = _tileOff)
        fixed (byte* tileRows = _tileRows, tileCols = _tileCols)
        {
            for (int t = 0; t < t1; t += V)
            {
                // M has slack, so whole-vector loads past the last tile are harmless.
                float* src = mBase + t;
                int count = Math.Min(V, t1 - t);
                if (_tile == 2)
                {
                    // Columns: tmp[r][j] = (Aᵀ M)[r][j], then rows; two outputs per tile row.
                    for (int j = 0; j < 4; j++)
                        At2Column(Vector256.Load(src + j * eStride), Vector256.Load(src + (4 + j) * eStride),
                            Vector256.Load(src + (8 + j) * eStride), Vector256.Load(src + (12 + j) * eStride), tmp + j, 4);
                    for (int r = 0; r < 2; r++)
                    {
                        var row = tmp + 4 * r;
                        At2Column(row[0], row[1], row[2], row[3], o, 1);
                        var o0 = o[0] + bias;
                        var o1 = o[1] + bias;
                        if (inReg)
                        {
                            o0 = ConvEpilogue.Activate(o0, act);
                            o1 = ConvEpilogue.Activate(o1, act);
                        }
                        for (int l = 0; l < count; l++)
                        {
                            int tile = t + l;
                            if (r >= tileRows[tile]) continue;
                            float* dst = y + tileOff[tile] + r * ow;
                            dst[0] = o0.GetElement(l);
                            if (tileCols[tile] == 2) dst[1] = o1.GetElement(l);
                        }
                    }
                    continue;
                }
                // Columns: tmp[r][j] = (Aᵀ M)[r][j].
                for (int j = 0; j < 6; j++)
                    AtColumn(Vector256.Load(src + j * eStride), Vector256.Load(src + (6 + j) * eStride),
                        Vector256.Load(src + (12 + j) * eStride), Vector256.Load(src + (18 + j) * eStride),
                        Vector256.Load(src + (24 + j) * eStride), Vector256.Load(src + (30 + j) * eStride), tmp + j, 6);
                for (int r = 0; r < 4; r++)
                {
                    var row = tmp + 6 * r;
                    AtColumn(row[0], row[1], row[2], row[3], row[4], row[5], o, 1);
                    var o0 = o[0] + bias;
                    var o1 = o[1] + bias;
                    var o2 = o[2] + bias;
                    var o3 = o[3] + bias;
                    if (inReg)
                    {
                        o0 = ConvEpilogue.Activate(o0, act);
                        o1 = ConvEpilogue.Activate(o1, act);
                        o2 = ConvEpilogue.Activate(o2, act);
                        o3 = ConvEpilogue.Activate(o3, act);
                    }
                    Transpose(o0, o1, o2, o3, chunk);
                    // chunk[l] is row r of tile t + l: four consecutive outputs.
                    for (int l = 0; l < count; l++)
                    {
                        int tile = t + l;
                        if (r >= tileRows[tile]) continue;
                        float* dst = y + tileOff[tile] + r * ow;
                        if (tileCols[tile] == 4) Vector128.Store(chunk[l], dst);
                        else
                            for (int k = 0; k < tileCols[tile]; k++) dst[k] = chunk[l].GetElement(k);
                    }
                }
            }
        }
        if (!inReg) ConvEpilogue.Apply(y, s.OH * ow, 0f, act);
        if (_z != null) ConvEpilogue.AddResidual(y, _z + (y - _y), s.OH * ow, _finalAct);
    }

    /// <summary>out[k·stride] = (Aᵀ m)[k] for F(2×2): Aᵀ rows [1 1 1 0], [0 1 −1 −1].</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void At2Column(Vector256<float> m0, Vector256<float> m1, Vector256<float> m2, Vector256<float> m3, Vector256<float>* o, int stride)
    {
        o[0] = m0 + m1 + m2;
        o[stride] = m1 - m2 - m3;
    }

    /// <summary>out[k·stride] = (Aᵀ m)[k] for k &lt; 4.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void AtColumn(Vector256<float> m0, Vector256<float> m1, Vector256<float> m2, Vector256<float> m3,
        Vector256<float> m4, Vector256<float> m5, Vector256<float>* o, int stride)
    {
        // Aᵀ rows: [1 1 1 1 1 0], [0 1 −1 1/2 −2 0], [0 1 1 1/4 4 0], [0 1 −1 1/8 −8 1]
        var a = m1 + m2;
        var b = m1 - m2;
        o[0] = m0 + a + m3 + m4;
        o[stride] = b + Vector256.Create(0.5f) * m3 - Vector256.Create(2f) * m4;
        o[2 * stride] = a + Vector256.Create(0.25f) * m3 + Vector256.Create(4f) * m4;
        o[3 * stride] = b + Vector256.Create(0.125f) * m3 - Vector256.Create(8f) * m4 + m5;
    }

    /// <summary>chunk[t] = (a[t], b[t], c[t], d[t]): four vectors over 8 tiles to 8 four-float rows.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Transpose(Vector256<float> a, Vector256<float> b, Vector256<float> c, Vector256<float> d, Vector128<float>* chunk)
    {
        if (Avx.IsSupported)
        {
            var ab0 = Avx.UnpackLow(a, b);   // [a0 b0 a1 b1 | a4 b4 a5 b5]
            var ab1 = Avx.UnpackHigh(a, b);  // [a2 b2 a3 b3 | a6 b6 a7 b7]
            var cd0 = Avx.UnpackLow(c, d);
            var cd1 = Avx.UnpackHigh(c, d);
            var r0 = Avx.Shuffle(ab0, cd0, 0x44); // [t0 | t4]
            var r1 = Avx.Shuffle(ab0, cd0, 0xEE); // [t1 | t5]
            var r2 = Avx.Shuffle(ab1, cd1, 0x44); // [t2 | t6]
            var r3 = Avx.Shuffle(ab1, cd1, 0xEE); // [t3 | t7]
            chunk[0] = r0.GetLower(); chunk[4] = r0.GetUpper();
            chunk[1] = r1.GetLower(); chunk[5] = r1.GetUpper();
            chunk[2] = r2.GetLower(); chunk[6] = r2.GetUpper();
            chunk[3] = r3.GetLower(); chunk[7] = r3.GetUpper();
            return;
        }
        for (int t = 0; t < V; t++)
            chunk[t] = Vector128.Create(a.GetElement(t), b.GetElement(t), c.GetElement(t), d.GetElement(t));
    }
}

/// <summary>Winograd-transformed, packed weights: per group, 36 Mg × Cg GEMM A operands.</summary>
public sealed class WinogradWeights(PackedMatrix[][] packed)
{
    internal PackedMatrix[][] Packed { get; } = packed;

    /// <summary>Bytes held.</summary>
    public long Bytes => Packed.Sum(g => g.Sum(m => m.Bytes));
}
