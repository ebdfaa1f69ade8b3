using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using KernelVision.Backends;
using KernelVision.Cpu.Conv;
using KernelVision.Cpu.Gemm;
using KernelVision.Cpu.Memory;
using KernelVision.Ops.Neural;
using KernelVision.Tensors;

namespace KernelVision.Cpu.Kernels.Neural;

/// <summary>
/// ConvTranspose on the Cpu backend (float32 NCHW; float64 runs on the Reference kernel) as
/// GEMM + col2im: per image and group, col = Wᵀ·X (rows: output channel × tap, columns: input
/// cells; a constant Wᵀ packed once per plan, on its first run that needs it) — or, for fewer input
/// cells than a register tile is wide, colᵀ = Xᵀ·W with W packed as it is, each channel's rows
/// transposed back by its col2im task — then every column value is added into the output cell its
/// tap maps to, and the bias and activation are applied in the same pass that writes Y.
/// 1-D/2-D use the vectorised phase-split <see cref="Col2Im"/> and process the input in row chunks
/// so the column buffer stays bounded; 3-D and up use <see cref="Col2ImNd"/>. The GEMM is split
/// over the threads by Sgemm, col2im over output channels.
/// </summary>
[BackendKernel("cpu")]
public sealed unsafe class ConvTransposeCpu(ConvTranspose op) : CpuKernel<ConvTranspose>(op), IConstantInputsAware, IKernelVariant
{
    /// <summary>Most floats the column buffer of one chunk may hold (4 MiB).</summary>
    private const long ColLimit = 1 << 20;

    private sealed class Plan
    {
        public required int[] XShape, WShape;
        public required ConvShape Shape;
        public Col2Im? Col2Im;
        public int ChunkRows;
        public bool Transposed;                   // colᵀ = Xᵀ·W (W packed as B), then per channel back into col
    }

    private readonly WeightCache<PackedMatrix[]> _weights = new();
    private readonly WeightCache<float[]> _rowBlocks = new();
    private Plan? _plan;

    // Per-run state read by the parallel task bodies.
    private Plan? _run;
    private float* _col, _colT, _acc, _y, _bias;
    private long _ld;
    private int _ih0, _ih1;
    private bool _first, _last;

    /// <summary>The path the last run took.</summary>
    public string Variant => _plan is null ? "" : $"{(_plan.Col2Im is null ? "GemmCol2ImNd" : _plan.Shape.InPlane == 1 ? "RowSumCol2Im" : _plan.Transposed ? "GemmCol2ImT" : "GemmCol2Im")} {_plan.Shape}";

    /// <summary>Bytes of the packed constant weights this kernel holds, 0 before the plan's first run.</summary>
    public long PreparedWeightBytes => (_weights.Value?.Sum(m => m.Bytes) ?? 0) + (_rowBlocks.Value?.LongLength ?? 0) * sizeof(float);

    /// <summary>
    /// Takes note of a constant W. Preparing waits for the first run: the input shape decides the
    /// form (GEMM panels as A or as B, or a single-cell input's column blocks), and an empty input
    /// needs none, so no copy exists beside W for nothing.
    /// </summary>
    public void PrepareConstants(IReadOnlyList<Tensor?> constantInputs)
    {
        _weights.Announce(constantInputs.Count > 1 ? constantInputs[1] : null);
        _rowBlocks.Announce(constantInputs.Count > 1 ? constantInputs[1] : null);
    }

    /// <inheritdoc/>
    protected override void Compute(IReadOnlyList<Tensor?> inputs, IReadOnlyList<Tensor?> outputs)
    {
        Tensor xt = inputs[0]!, wt = inputs[1]!;
        Tensor? bt = inputs.Count > 2 ? inputs[2] : null;
        var yt = outputs[0]!;
        var plan = GetPlan(xt.Shape, wt.Shape);
        var s = plan.Shape;
        if (yt.Length == 0) return;
        bool empty = s.InPlane == 0 || s.Cg == 0;
        bool singleCell = plan.Col2Im is not null && s.InPlane == 1;
        // A W that is not the announced constant (computed at run time) is packed for this run alone.
        var packed = empty || singleCell ? null
            : _weights.TryGet(wt, plan.Transposed ? 1 : 0, plan, static (p, w) => PackGroups(p.Shape, w, p.Transposed)) ?? PackGroups(s, wt, plan.Transposed);
        // A single-cell input reads a constant W in blocks of GemvBlock columns, each block's rows contiguous.
        var blocks = singleCell ? _rowBlocks.TryGet(wt, 0, s, PackRowBlocks) : null;
        fixed (float* px = xt.Floats, pw = wt.Floats, py = yt.Floats)
        fixed (float* pb = bt is null ? default : bt.Floats)
        fixed (float* pblocks = blocks)
        {
            _run = plan;
            _bias = bt is null ? null : pb;
            try
            {
                for (int n = 0; n < s.N; n++)
                    for (int g = 0; g < s.G; g++)
                    {
                        float* x = px + ((long)n * s.C + (long)g * s.Cg) * s.InPlane;
                        _y = py + ((long)n * s.M + (long)g * s.Mg) * s.OutPlane;
                        _bias = bt is null ? null : pb + (long)g * s.Mg;
                        if (empty) BiasOnly(s);
                        else if (singleCell)
                        {
                            _blocks = pblocks == null ? null : pblocks + (long)g * s.Cg * s.Mg * s.Taps;
                            RunSingleCell(plan, pw + (long)g * s.Cg * s.Mg * s.Taps, x);
                        }
                        else if (plan.Col2Im is not null) Run2D(plan, packed![g], x);
                        else RunNd(plan, packed![g], x);
                    }
            }
            finally
            {
                _run = null;
                _col = _colT = _acc = _y = _bias = _wg = _xg = _blocks = null;
            }
        }
    }

    private Plan GetPlan(int[] x, int[] w)
    {
        if (_plan is { } p && p.XShape.AsSpan().SequenceEqual(x) && p.WShape.AsSpan().SequenceEqual(w)) return p;
        var g = Op.Resolve(x, w);
        var s = ConvShape.Create(g, x[0], x[1], w[1] * Op.Group, Op.Group);
        var plan = new Plan { XShape = (int[])x.Clone(), WShape = (int[])w.Clone(), Shape = s };
        if (s.Is2D)
        {
            plan.Col2Im = new Col2Im(s);
            long perRow = (long)s.Mg * s.Taps * s.W;
            plan.ChunkRows = (int)Math.Clamp(ColLimit / Math.Max(1, perRow), 1, Math.Max(1, s.H));
            plan.Transposed = UseTransposed ?? ForceTransposed ?? PreferTransposed(Math.Min(plan.ChunkRows, s.H) * s.W);
        }
        _plan = plan;
        return plan;
    }

    /// <summary>
    /// Per group, W [C, Mg, taps] as a GEMM operand: Wᵀ as A, (Mg·taps) × Cg, for col = Wᵀ·X; or,
    /// <paramref name="asB"/>, W as it is as B, Cg × (Mg·taps), for colᵀ = Xᵀ·W.
    /// </summary>
    private static PackedMatrix[] PackGroups(ConvShape s, Tensor w, bool asB)
    {
        int rows = s.Mg * s.Taps;
        var packed = new PackedMatrix[s.G];
        fixed (float* pw = w.Floats)
            for (int g = 0; g < s.G; g++)
            {
                float* wg = pw + (long)g * s.Cg * rows;
                packed[g] = asB ? Sgemm.PackB(GemmOperand.MatrixB(wg, rows), s.Cg, rows)
                    : Sgemm.PackA(GemmOperand.MatrixA(wg, rows, transposed: true), rows, s.Cg);
            }
        return packed;
    }

    /// <summary>Set: every 2-D plan takes (true) or avoids (false) the colᵀ product, whatever the rule says (benchmarks' A/B switch).</summary>
    internal static bool? ForceTransposed { get; set; }

    /// <summary>Set: this kernel's next plan takes (true) or avoids (false) the colᵀ product (tests).</summary>
    public bool? UseTransposed { get; set; }

    /// <summary>
    /// colᵀ = Xᵀ·W when a chunk has fewer input cells than a register tile is wide: col = Wᵀ·X would
    /// run half-empty tiles over the whole weight (a DCGAN generator's 512 → 256 at 4×4: 16 cells,
    /// 0.28 → 0.23 ms on two threads), while with the cells as rows every packed panel of W fills
    /// whole tiles and is read once. From 64 cells on (its 8×8 and 16×16 layers) col = Wᵀ·X is 5–10 % faster.
    /// </summary>
    private static bool PreferTransposed(int cells) => cells < GemmKernel.Best.NR;

    /// <summary>No input cells or channels: every output is act(bias).</summary>
    private void BiasOnly(ConvShape s)
    {
        for (int m = 0; m < s.Mg; m++)
        {
            float* y = _y + (long)m * s.OutPlane;
            Im2ColSource.Zero(y, s.OutPlane);
            ConvEpilogue.Apply(y, s.OutPlane, _bias == null ? 0f : _bias[m], Op.Activation);
        }
    }

    private void Run2D(Plan plan, PackedMatrix a, float* x)
    {
        var s = plan.Shape;
        var c2i = plan.Col2Im!;
        int rowsM = s.Mg * s.Taps;
        int chunk = plan.ChunkRows;
        _acc = ThreadScratch.Get(ScratchSlot.Temp1, s.Mg * c2i.PlaneFloats);
        _col = ThreadScratch.Get(ScratchSlot.Im2Col, (long)rowsM * chunk * s.W);
        var ao = GemmOperand.FromPacked(a);
        _colT = plan.Transposed ? ThreadScratch.Get(ScratchSlot.Temp2, (long)rowsM * chunk * s.W) : null;
        for (int ih0 = 0; ih0 < s.H; ih0 += chunk)
        {
            int ih1 = Math.Min(s.H, ih0 + chunk);
            int cols = (ih1 - ih0) * s.W;
            if (_colT != null)
            {
                // colᵀ = Xᵀ·W: the input cells are the rows, so few cells fill whole register tiles
                // and each packed panel of W is read once; Col2ImChannel transposes its own rows back.
                Sgemm.Multiply(cols, rowsM, s.Cg, 1f, GemmOperand.MatrixA(x + (long)ih0 * s.W, s.InPlane, transposed: true), ao, 0f, _colT, rowsM, default, Pool);
            }
            else Sgemm.Multiply(rowsM, cols, s.Cg, 1f, ao, GemmOperand.MatrixB(x + (long)ih0 * s.W, s.InPlane), 0f, _col, cols, default, Pool);
            _ld = cols;
            _ih0 = ih0;
            _ih1 = ih1;
            _first = ih0 == 0;
            _last = ih1 == s.H;
            Pool.ParallelFor(s.Mg, this, static (self, m) => self.Col2ImChannel(m));
        }
    }

    /// <summary>Floats of the column vector one task of <see cref="RunSingleCell"/> computes.</summary>
    private const int GemvBlock = 256;
    private float* _wg, _xg, _blocks;
    private int _cg, _rowsM;

    /// <summary>
    /// W [C, Mg·taps] per group as blocks of <see cref="GemvBlock"/> columns, each block's Cg rows
    /// contiguous (the last block as wide as what is left): a task of <see cref="RunSingleCell"/>
    /// then streams one contiguous block instead of Cg rows 32 KiB apart (a DCGAN generator's
    /// 100 → 512 at 4×4: 3.3 MB of W, 0.12 → 0.09 ms on two threads).
    /// </summary>
    private static float[] PackRowBlocks(ConvShape s, Tensor w)
    {
        int rows = s.Cg, cols = s.Mg * s.Taps;
        var dst = GC.AllocateUninitializedArray<float>(s.G * rows * cols);
        var src = w.Floats;
        for (int g = 0; g < s.G; g++)
        {
            int at = g * rows * cols;
            for (int b0 = 0; b0 < cols; b0 += GemvBlock)
            {
                int wb = Math.Min(GemvBlock, cols - b0);
                for (int c = 0; c < rows; c++)
                    src.Slice(at + c * cols + b0, wb).CopyTo(dst.AsSpan(at + b0 * rows + c * wb, wb));
            }
        }
        return dst;
    }

    /// <summary>
    /// A 1×1 input (the first layer of a DCGAN generator: z → 4×4): the column vector is Σ_c x[c]·W[c, :],
    /// a sum of weight rows; a GEMM would pad its single column to a whole register tile.
    /// </summary>
    private void RunSingleCell(Plan plan, float* wg, float* x)
    {
        var s = plan.Shape;
        _rowsM = s.Mg * s.Taps;
        _cg = s.Cg;
        _wg = wg;
        _xg = x;
        _col = ThreadScratch.Get(ScratchSlot.Im2Col, _rowsM);
        _acc = ThreadScratch.Get(ScratchSlot.Temp1, s.Mg * plan.Col2Im!.PlaneFloats);
        Pool.ParallelFor((_rowsM + GemvBlock - 1) / GemvBlock, this, static (self, i) => self.GemvTask(i));
        _ld = 1;
        _ih0 = 0;
        _ih1 = 1;
        _first = _last = true;
        Pool.ParallelFor(s.Mg, this, static (self, m) => self.Col2ImChannel(m));
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void GemvTask(int block)
    {
        int r0 = block * GemvBlock, r1 = Math.Min(_rowsM, r0 + GemvBlock);
        if (_blocks != null) WeightedRowSum(_blocks + (long)r0 * _cg, r1 - r0, _xg, _cg, _col + r0, r1 - r0); // block r0 / GemvBlock, rows r1 − r0 apart
        else WeightedRowSum(_wg + r0, _rowsM, _xg, _cg, _col + r0, r1 - r0);
    }

    /// <summary>dst[j] = Σ_c x[c]·w[c·ld + j] for j in [0, n).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void WeightedRowSum(float* w, long ld, float* x, int rows, float* dst, int n)
    {
        int j = 0;
        if (Vector256.IsHardwareAccelerated)
        {
            for (; j <= n - 32; j += 32)
            {
                var a0 = Vector256<float>.Zero;
                var a1 = a0; var a2 = a0; var a3 = a0;
                float* p = w + j;
                for (int c = 0; c < rows; c++, p += ld)
                {
                    var xv = Vector256.Create(x[c]);
                    a0 += Vector256.Load(p) * xv;
                    a1 += Vector256.Load(p + 8) * xv;
                    a2 += Vector256.Load(p + 16) * xv;
                    a3 += Vector256.Load(p + 24) * xv;
                }
                a0.Store(dst + j); a1.Store(dst + j + 8); a2.Store(dst + j + 16); a3.Store(dst + j + 24);
            }
        }
        for (; j < n; j++)
        {
            float acc = 0;
            float* p = w + j;
            for (int c = 0; c < rows; c++, p += ld) acc += x[c] * *p;
            dst[j] = acc;
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void Col2ImChannel(int m)
    {
        var s = _run!.Shape;
        var c2i = _run.Col2Im!;
        float* acc = _acc + m * c2i.PlaneFloats;
        if (_colT != null) MatrixTranspose.TransposeRegion(_colT, (int)_ld, s.Mg * s.Taps, _col, 0, (int)_ld, m * s.Taps, (m + 1) * s.Taps);
        if (_first) c2i.Clear(acc);
        c2i.Accumulate(_col + (long)m * s.Taps * _ld, _ld, _ih0, _ih1, acc);
        if (_last) c2i.Finish(acc, _y + (long)m * s.OutPlane, _bias == null ? 0f : _bias[m], Op.Activation);
    }

    private void RunNd(Plan plan, PackedMatrix a, float* x)
    {
        var s = plan.Shape;
        int rowsM = s.Mg * s.Taps;
        _col = ThreadScratch.Get(ScratchSlot.Im2Col, (long)rowsM * s.InPlane);
        Sgemm.Multiply(rowsM, s.InPlane, s.Cg, 1f, GemmOperand.FromPacked(a), GemmOperand.MatrixB(x, s.InPlane), 0f, _col, s.InPlane, default, Pool);
        _ld = s.InPlane;
        Pool.ParallelFor(s.Mg, this, static (self, m) => self.ScatterChannel(m));
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void ScatterChannel(int m)
    {
        var s = _run!.Shape;
        float* y = _y + (long)m * s.OutPlane;
        Im2ColSource.Zero(y, s.OutPlane);
        Col2ImNd.Scatter(s, _col + (long)m * s.Taps * _ld, _ld, y);
        ConvEpilogue.Apply(y, s.OutPlane, _bias == null ? 0f : _bias[m], Op.Activation);
    }
}
