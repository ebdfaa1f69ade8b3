using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using KernelVision.Backends;
using KernelVision.Cpu.Conv;
using KernelVision.Cpu.Gemm;
using KernelVision.Cpu.Memory;
using KernelVision.Cpu.Threading;
using KernelVision.Cpu.Tuning;
using KernelVision.Ops;
using KernelVision.Ops.Neural;
using KernelVision.Tensors;

namespace KernelVision.Cpu.Kernels.Neural;

/// <summary>
/// Conv on the Cpu backend (float32 NCHW; float64 runs on the Reference kernel). Paths, chosen per
/// input shape (<see cref="Variant"/> names the one taken):
/// <list type="bullet">
/// <item>Pointwise (every kernel dim 1, stride 1, no pad): per image and group Y = W·X as one GEMM
/// whose B operand is the input itself; PointwiseDot for a single pixel (matrix-vector);</item>
/// <item>Depthwise (one input channel per group, 1-D/2-D): <see cref="DepthwiseConv"/>, SIMD over the output width;
/// DepthwiseBlocked for narrow outputs: <see cref="DepthwiseConvBlocked"/>, SIMD over 16 channels (AVX-512) or 8;</item>
/// <item>Winograd F(4×4, 3×3) or F(2×2, 3×3) (F(2×2) only when <see cref="WinogradConv.LargeTilesEnabled"/> is off), for 3×3 stride-1 dilation-1 2-D
/// convs with enough channels (<see cref="WinogradConv"/>);</item>
/// <item>Im2Col, general 1-D/2-D: implicit GEMM, the im2col matrix packed straight into the GEMM's
/// panels (<see cref="Im2ColSource"/>); Im2ColNd for 3-D and up (<see cref="Im2ColSourceNd"/>);
/// Im2ColInPlace for strides 1 and 2 (tuner's choice only): nothing is packed, the microkernels read the
/// im2col rows straight from the padded image (<see cref="GemmOperand.RowTableB"/>) over a grid
/// of padded-width output rows, which are then compacted into Y; for stride 2 the padded image is
/// first split into its four (row parity, column parity) phases, in which every tap is a stride-1
/// read over a grid of ⌈Wp/2⌉-wide rows; Im2ColInPlaceT computes Yᵀ = colᵀ·Wᵀ instead, the
/// microkernels broadcasting each real output pixel's taps from the same padded rows through a pixel
/// table and a tap table (<see cref="GemmOperand.RowTableA"/>) against packed panels of Wᵀ, so no grid
/// column is computed, a layer with few output channels (DenseNet's 32) wastes no register-tile rows,
/// and the image is read by broadcasts, not line-crossing vector loads; PointwiseInPlace(T) reads X's
/// channel rows the same two ways.</item>
/// </list>
/// The GEMM paths compute Yᵀ instead (suffix T) when the output plane is small enough that this
/// wastes less of the register tiles, and put the bias and activation in the GEMM epilogue.
/// A constant W is packed (or Winograd-transformed) once per plan and layout, on the plan's first
/// run (see <see cref="WeightsFor"/>); scratch comes from per-thread pools, so later runs allocate
/// nothing. Several images or groups run side by side on the pool; a single large GEMM is split by
/// Sgemm itself.
/// A fused residual Z (<see cref="Ops.Neural.Conv.Residual"/>) of Y's own shape is added before the
/// activation: in the GEMM epilogue on the non-transposed GEMM paths (<see cref="GemmEpilogue.Residual"/>),
/// on each output plane right after it is written on the Winograd, transposed, depthwise and dot paths,
/// while compacting the in-place grid (or transposing Yᵀ back), and in a pass after blocked depthwise; a Z that broadcasts goes to the Reference kernel.
/// A fused input normalisation (<see cref="Ops.Neural.Conv.InputNormalization"/>, DenseNet's BN → ReLU
/// before each 1×1 conv) is applied while the packed pointwise paths pack X (<see cref="NormalizedChannels"/>;
/// the transposed one normalises each task's pixels into a local copy first, <see cref="NormalizeLocal"/>);
/// other paths, the in-place pointwise one included, read a normalised copy (what the BatchNormalization
/// node wrote), so the tuner can still take that where it wins.
/// With <see cref="Tuning"/> on, the rules above only propose: every applicable path (and the
/// transposed form of each GEMM path) is timed on the first input of a new shape, the fastest is
/// kept and remembered in the <see cref="TuningCache"/>, since which one wins differs between CPUs
/// (Winograd F(2×2) beat im2col on an AVX2 Zen 3 and loses on some AVX-512 layers of a Zen 5).
/// </summary>
[BackendKernel("cpu")]
public sealed unsafe class ConvCpu(Ops.Neural.Conv op) : CpuKernel<Ops.Neural.Conv>(op), IConstantInputsAware, IKernelVariant, ITunableKernel, ITunedKernel
{
    private enum Path { Pointwise, PointwiseInPlace, PointwiseDot, Im2Col, Im2ColNd, Im2ColInPlace, Depthwise, DepthwiseBlocked, Winograd }

    /// <summary>Everything that depends on the input and weight shapes only.</summary>
    private sealed class Plan
    {
        public required int[] XShape, WShape;
        public required ConvShape Shape;
        public required Path Path;
        public IGemmPanelSource[] Sources = [];   // per task (image·group) for the im2col paths
        public bool Transposed;                   // GEMM paths: compute Yᵀ = colᵀ·Wᵀ (small output planes)
        public DepthwiseConv? Depthwise;
        public DepthwiseConvBlocked? DepthwiseBlocked;
        public WinogradConv? Winograd;
        public int[]? ChannelRows;                // PointwiseInPlace: pinned offsets c·InPlane of X's channel rows
        public NormalizedChannels[]? Normalized;  // Pointwise with an input normalisation: per task (image·group)
        public int Bands = 1;                     // Im2ColInPlace: parts per image and group, one per thread (see BandTask)
        public bool SplitChannels;                // ... parts of the output channels instead of bands of output rows
        public int BandPlane;                     // ... floats per channel of a part's padded rows
        public int[]? BandRows;                   // ... pinned row table over a part's padded rows
        public int[]? Pixels;                     // Im2ColInPlaceT: pinned offset of output pixel j of a part in its padded rows
        public string? TuneKey;                   // set while this shape still has to be timed

        /// <summary>The name a tuning choice is stored under.</summary>
        public string Name => $"{Path}{(Transposed ? "T" : "")}{(Winograd is { } wg ? $"F{wg.Tile}" : "")}";
    }

    /// <inheritdoc/>
    public KernelTuning Tuning { get; set; } = KernelTuning.Off;

    /// <inheritdoc/>
    public TuningResult? LastTuning { get; private set; }

    private readonly WeightCache<object> _weights = new();
    private Plan? _plan;

    // Per-run state read by the parallel task bodies (a kernel runs one call at a time).
    private float* _x, _w, _bias, _y, _z;
    // Input normalisation: per-channel statistics (pinned, refreshed each run).
    private float[] _normMean = [], _normFactor = [], _normShift = [];
    private float* _xIn, _normX; // X as given, and its normalised copy (the calling thread's scratch) during a run that makes one
    private object? _packed;
    private Im2ColSource? _padSource;
    private float* _padX, _padDst;
    private int _padPlane;
    private Plan? _run;

    /// <summary>The path the last run took (for profiling and tests).</summary>
    public string Variant => _plan is null ? "" : $"{_plan.Name} {_plan.Shape}";

    /// <summary>Forces or forbids the Winograd path (null: automatic). For tests and benchmarks.</summary>
    public bool? UseWinograd { get; set; }

    /// <summary>
    /// Process-wide switch for the automatic Winograd choice (default on). Winograd keeps its
    /// transformed weights, 36/9 = 4× (F(4×4)) or 16/9 ≈ 1.8× (F(2×2)) the size of W, instead of a
    /// packed copy of W's size: turn it off to trade speed for memory.
    /// </summary>
    public static bool WinogradEnabled { get; set; } = true;

    /// <summary>Bytes of the constant weights this kernel prepared (packed or transformed), 0 before the plan's first run.</summary>
    public long PreparedWeightBytes => PreparedBytes(_weights.Value);

    private static long PreparedBytes(object? prepared) => prepared switch
    {
        PackedMatrix[] p => p.Sum(m => m.Bytes),
        WinogradWeights w => w.Bytes,
        float[] f => 4L * f.Length,
        _ => 0,
    };

    /// <summary>
    /// Forces the in-place paths where they apply (pointwise, and im2col with stride 1 or 2) instead of
    /// the rules' choice, which never takes them (only the tuner does). For tests; <see cref="ForceInPlace"/> for benchmarks.
    /// </summary>
    public bool UseInPlace { get; set; }

    /// <summary>Forces the transposed (true) or plain (false) form of the GEMM paths, in-place im2col included; null: the rules. For tests.</summary>
    public bool? UseTransposed { get; set; }

    /// <summary>Process-wide <see cref="UseInPlace"/> (benchmarks' A/B switch).</summary>
    internal static bool ForceInPlace { get; set; }

    /// <summary>Off: Im2ColInPlace takes stride-1 convs only, as before it learned stride 2 (benchmarks' A/B switch; read when a shape is planned).</summary>
    internal static bool InPlaceStride2 { get; set; } = true;

    /// <summary>
    /// Im2ColInPlace on several threads splits the output rows into bands, one task per band
    /// (<see cref="BandTask"/>); off: the pad, the GEMM and the compaction are each split on
    /// their own (benchmarks' A/B switch, read at run time).
    /// </summary>
    internal static bool InPlaceBands { get; set; } = true;

    /// <summary>Parts per image and group for Im2ColInPlace on several threads (0: one per thread when the GEMM is worth splitting). For tests.</summary>
    internal int InPlaceBandCount { get; set; }

    /// <summary>Has Im2ColInPlace's parts split the output channels (true) or the rows (false) instead of the cost model's choice. For tests.</summary>
    internal bool? SplitChannels { get; set; }

    /// <summary>Process-wide <see cref="SplitChannels"/> (benchmarks' A/B switch).</summary>
    internal static bool? ForceSplitChannels { get; set; }

    /// <summary>Parts the last run split each image and group into (0: it did not). For tests.</summary>
    internal int LastBands { get; private set; }

    /// <summary>Whether the last run's parts were ranges of output channels rather than bands of rows. For tests.</summary>
    internal bool LastSplitChannels { get; private set; }

    /// <summary>Winograd output tile, 4 or 2 (0: automatic). For tests and benchmarks.</summary>
    public int WinogradTile { get; set; }

    /// <summary>Float32, and a residual Z only of Y's own shape (the convolution's: Z did not broadcast it larger).</summary>
    /// <remarks>
    /// Y is the convolution's shape broadcast with Z, so it is the convolution's own shape exactly when
    /// it holds as many elements (and has its rank); the plan, cached per shape, knows that count
    /// without resolving the geometry (and allocating) again on every run.
    /// </remarks>
    protected override bool Handles(IReadOnlyList<Tensor?> inputs, IReadOnlyList<Tensor?> outputs)
    {
        if (!base.Handles(inputs, outputs)) return false;
        if (!Op.Residual) return true;
        if (inputs.Count <= 3 || inputs[3] is not { } z || outputs[0] is not { } y || !z.Shape.AsSpan().SequenceEqual(y.Shape)) return false;
        var s = GetPlan(inputs[0]!.Shape, inputs[1]!.Shape).Shape;
        return y.Rank == inputs[0]!.Rank && y.Length == (long)s.N * s.M * s.OutPlane;
    }

    /// <summary>The activation the paths apply themselves: none when a residual comes first (it is applied with the residual).</summary>
    private FusedActivation PathActivation => Op.Residual ? default : Op.Activation;

    /// <summary>Takes note of a constant W, which the plan's first run prepares in its path's layout (<see cref="WeightsFor"/>).</summary>
    public void PrepareConstants(IReadOnlyList<Tensor?> constantInputs) => _weights.Announce(constantInputs.Count > 1 ? constantInputs[1] : null);

    /// <inheritdoc/>
    protected override void Compute(IReadOnlyList<Tensor?> inputs, IReadOnlyList<Tensor?> outputs)
    {
        Tensor xt = inputs[0]!, wt = inputs[1]!;
        Tensor? bt = inputs.Count > 2 ? inputs[2] : null;
        Tensor? zt = Op.Residual ? inputs[3] : null;
        var yt = outputs[0]!;
        var plan = GetPlan(xt.Shape, wt.Shape);
        var s = plan.Shape;
        if (yt.Length == 0) return;
        if (s.InPlane == 0 || s.Cg == 0 || s.Taps == 0)
        {
            // Nothing to sum: every output is act(bias (+ z)).
            var y = yt.Floats;
            int plane = s.OutPlane;
            for (int n = 0; n < s.N; n++)
                for (int m = 0; m < s.M; m++)
                {
                    float b = bt is null ? 0f : bt.Floats[m];
                    int at = (n * s.M + m) * plane;
                    if (zt is null) y.Slice(at, plane).Fill(Op.Activation.Apply(b));
                    else
                        for (int i = 0; i < plane; i++) y[at + i] = Op.Activation.Apply(b + zt.Floats[at + i]);
                }
            return;
        }
        fixed (float* px = xt.Floats, pw = wt.Floats, py = yt.Floats)
        fixed (float* pb = bt is null ? default : bt.Floats)
        fixed (float* pz = zt is null ? default : zt.Floats)
        {
            _x = _xIn = px; _w = pw; _y = py; _bias = bt is null ? null : pb; _z = zt is null ? null : pz;
            try
            {
                if (Op.InputNormalization is not null) PrepareNormalization(inputs, xt, plan);
                if (plan.TuneKey is not null) plan = Tune(plan, xt, wt);
                _packed = WeightsFor(plan, wt);
                _run = plan;
                _x = InputFor(plan);
                Execute(plan);
            }
            finally
            {
                _x = _xIn = _normX = _w = _y = _bias = _z = null;
                _packed = null;
                _run = null;
            }
        }
    }

    private Plan GetPlan(int[] x, int[] w)
    {
        if (_plan is { } p && p.XShape.AsSpan().SequenceEqual(x) && p.WShape.AsSpan().SequenceEqual(w)) return p;
        var g = Op.Resolve(x, w);
        var s = ConvShape.Create(g, x[0], x[1], w[0], Op.Group);
        Path path;
        if (s.IsPointwise) path = s.InPlane == 1 ? Path.PointwiseDot : Path.Pointwise;
        else if (DepthwiseConvBlocked.Preferred(s)) path = Path.DepthwiseBlocked;
        else if (DepthwiseConv.IsDepthwise(s)) path = Path.Depthwise;
        else if (UseWinograd ?? (WinogradEnabled && WinogradConv.ChooseTile(s) != 0)) path = WinogradConv.Supports(s) ? Path.Winograd : s.Is2D ? Path.Im2Col : Path.Im2ColNd;
        else path = s.Is2D ? Path.Im2Col : Path.Im2ColNd;
        if ((UseInPlace || ForceInPlace) && path == Path.Pointwise && GemmKernel.Best.IndirectVariants is not null) path = Path.PointwiseInPlace;
        if ((UseInPlace || ForceInPlace) && SupportsInPlace(s) && path is Path.Im2Col or Path.Winograd) path = Path.Im2ColInPlace;
        bool transposed = UseTransposed ?? (path is Path.Pointwise or Path.Im2Col or Path.Im2ColNd && PreferTransposed(s.Mg, s.OutPlane, s.Cg * s.Taps, GemmKernel.Best)
            || path is Path.Im2ColInPlace or Path.PointwiseInPlace && ForceTransposed == true);
        if (path is not (Path.Pointwise or Path.Im2Col or Path.Im2ColNd or Path.Im2ColInPlace or Path.PointwiseInPlace)
            || path is Path.Im2ColInPlace or Path.PointwiseInPlace && GemmKernel.Best.IndirectAVariants is null)
            transposed = false;
        var plan = BuildPlan(x, w, s, path, transposed, WinogradTile);
        LastTuning = null;
        if (Tuning != KernelTuning.Off && UseWinograd is null && WinogradTile == 0 && ForceTransposed is null && UseTransposed is null && !UseInPlace && !ForceInPlace
            && Candidates(s) is { Count: > 1 } candidates)
        {
            string key = $"Conv x{string.Join(',', x)} w{string.Join(',', w)} g{Op.Group} {s} {Op.Activation}{(Op.Residual ? " residual" : "")}{(Op.InputNormalization is null ? "" : " normalized")}";
            var cache = TuningCache.For(Pool.ThreadCount);
            if (cache.Get(key) is { } chosen && candidates.FirstOrDefault(c => c.Name == chosen) is { Name: not null } c)
            {
                plan = BuildPlan(x, w, s, c.Path, c.Transposed, c.Tile);
                LastTuning = new TuningResult(key, [new TunedCandidate(chosen, double.NaN)], FromCache: true);
            }
            else if (Tuning == KernelTuning.Full) plan.TuneKey = key;
        }
        _plan = plan;
        return plan;
    }

    private Plan BuildPlan(int[] x, int[] w, ConvShape s, Path path, bool transposed, int tile)
    {
        var plan = new Plan { XShape = (int[])x.Clone(), WShape = (int[])w.Clone(), Shape = s, Path = path, Transposed = transposed };
        int tasks = s.N * s.G;
        if (path is Path.Im2Col or Path.Im2ColInPlace)
        {
            plan.Sources = new IGemmPanelSource[tasks];
            for (int i = 0; i < tasks; i++) plan.Sources[i] = new Im2ColSource(s);
            if (path == Path.Im2ColInPlace) PlanBands(plan);
            if (path == Path.Im2ColInPlace && transposed)
            {
                // Output pixel j of a band sits at grid row j / OW, column j % OW: the tiles of Yᵀ
                // take only real pixels, none of the grid's padding columns.
                int gw = ((Im2ColSource)plan.Sources[0]).GridWidth;
                plan.Pixels = GC.AllocateArray<int>(s.OH * s.OW, pinned: true);
                for (int j = 0; j < plan.Pixels.Length; j++) plan.Pixels[j] = j / s.OW * gw + j % s.OW;
            }
        }
        else if (path == Path.Im2ColNd)
        {
            plan.Sources = new IGemmPanelSource[tasks];
            for (int i = 0; i < tasks; i++) plan.Sources[i] = new Im2ColSourceNd(s);
        }
        else if (path == Path.PointwiseInPlace)
        {
            plan.ChannelRows = GC.AllocateArray<int>(s.Cg, pinned: true);
            for (int c = 0; c < s.Cg; c++) plan.ChannelRows[c] = c * s.InPlane;
        }
        else if (path == Path.Pointwise && Op.InputNormalization is not null && !NormalizeByCopy)
        {
            plan.Normalized = new NormalizedChannels[tasks];
            for (int i = 0; i < tasks; i++) plan.Normalized[i] = new NormalizedChannels { Plane = s.InPlane, Act = Op.InputNormalization.Activation };
        }
        else if (path == Path.Depthwise) plan.Depthwise = new DepthwiseConv(s);
        else if (path == Path.DepthwiseBlocked) plan.DepthwiseBlocked = new DepthwiseConvBlocked(s);
        else if (path == Path.Winograd) plan.Winograd = new WinogradConv(s, tile);
        return plan;
    }

    /// <summary>The paths the tuner times for a shape: every one that computes it, GEMM paths in both orientations.</summary>
    private static List<(string Name, Path Path, bool Transposed, int Tile)> Candidates(ConvShape s)
    {
        var list = new List<(string, Path, bool, int)>();
        if (s.IsPointwise)
        {
            if (s.InPlane == 1) return list; // one pixel: the dot-product path, nothing to choose
            list.Add(("Pointwise", Path.Pointwise, false, 0));
            list.Add(("PointwiseT", Path.Pointwise, true, 0));
            // X's channel rows read in place by the microkernels, never packed (the rules do so for
            // at most Sgemm.DirectBMaxRows output channels; which wins beyond that varies by layer).
            if (GemmKernel.Best.IndirectVariants is not null) list.Add((nameof(Path.PointwiseInPlace), Path.PointwiseInPlace, false, 0));
            // Yᵀ = Xᵀ·Wᵀ with X's channel rows broadcast in place: PointwiseT without packing Xᵀ.
            if (GemmKernel.Best.IndirectAVariants is not null) list.Add((nameof(Path.PointwiseInPlace) + "T", Path.PointwiseInPlace, true, 0));
            return list;
        }
        if (DepthwiseConv.IsDepthwise(s))
        {
            list.Add(("Depthwise", Path.Depthwise, false, 0));
            if (DepthwiseConvBlocked.Supports(s)) list.Add(("DepthwiseBlocked", Path.DepthwiseBlocked, false, 0));
            return list;
        }
        var gemm = s.Is2D ? Path.Im2Col : Path.Im2ColNd;
        list.Add((gemm.ToString(), gemm, false, 0));
        list.Add((gemm + "T", gemm, true, 0));
        if (SupportsInPlace(s)) list.Add((nameof(Path.Im2ColInPlace), Path.Im2ColInPlace, false, 0));
        if (SupportsInPlace(s) && GemmKernel.Best.IndirectAVariants is not null) list.Add((nameof(Path.Im2ColInPlace) + "T", Path.Im2ColInPlace, true, 0));
        // F(4×4) only where it is allowed at all (its points and accuracy: see WinogradConv.LargeTilesEnabled).
        if (WinogradEnabled && WinogradConv.Supports(s) && System.Runtime.Intrinsics.Vector256.IsHardwareAccelerated)
        {
            list.Add(("WinogradF2", Path.Winograd, false, 2));
            if (WinogradConv.LargeTilesEnabled) list.Add(("WinogradF4", Path.Winograd, false, 4));
        }
        return list;
    }

    /// <summary>
    /// Im2ColInPlace computes 1-D/2-D convs of stride 1 or 2 (per axis) whose grid wastes at most
    /// half again the real outputs (GridWidth − OW extra columns per row: (KW − 1)·DW for stride
    /// 1, about (KW − 1)·DW / 2 for stride 2), on kernels with the row-table microkernels. Not a
    /// strided 1×1 conv: it reads one phase, what the packed path packs, and then compacts the
    /// grid as well; it lost to Im2Col by 20–60 % on each of ResNet-18's three downsamples.
    /// </summary>
    private static bool SupportsInPlace(ConvShape s) =>
        s.Is2D && (s.SH == 1 && s.SW == 1 || InPlaceStride2 && s.SH is 1 or 2 && s.SW is 1 or 2 && s.Taps > 1)
        && GemmKernel.Best.IndirectVariants is not null && 2 * (Im2ColSource.GridWidthOf(s) - s.OW) <= s.OW;

    /// <summary>
    /// Times every candidate path on this run's input (pointers already set) and returns the
    /// fastest one's plan, remembered in the cache. Each candidate's weights are prepared before the
    /// timing (so they are not timed); the winner's become the plan's prepared copy when W is the
    /// plan's constant, the others are dropped.
    /// </summary>
    private Plan Tune(Plan proposed, Tensor xt, Tensor wt)
    {
        int[] x = xt.Shape;
        string key = proposed.TuneKey!;
        proposed.TuneKey = null;
        var s = proposed.Shape;
        var candidates = Candidates(s);
        var plans = candidates.Select(c => BuildPlan(x, wt.Shape, s, c.Path, c.Transposed, c.Tile)).ToArray();
        var prepared = plans.Select(p => PrepareUncached(p, wt)).ToArray();
        var runs = plans.Select((p, i) => (Action)(() =>
        {
            _packed = prepared[i];
            _run = p;
            _x = InputFor(p);
            // A path that reads the normalised copy pays for making it, as it does in a run.
            if (_x == _normX && _normX != null) NormalizeCopy(xt);
            Execute(p);
        })).ToArray();
        double[] ms = Autotuner.Measure(runs);
        _packed = null;
        int best = Array.IndexOf(ms, ms.Min());
        // The winner's weights are the ones the plan keeps (when W is the plan's constant); the others are garbage now.
        if (prepared[best] is { } kept) _weights.TryGet(wt, Tag(plans[best]), kept, static (k, _) => k);
        long dropped = prepared.Where((p, i) => i != best).Sum(PreparedBytes);
        prepared = [];
        runs = [];
        // The losers' panels sit on the pinned heap until a full collection: a model's worth of them
        // (ResNet-18: +40 MiB) would raise the first load's peak above the steady state's. Tuning is
        // a one-off per machine, so a collection per tuned node is cheap by comparison.
        if (dropped >= 4 << 20) GC.Collect(2, GCCollectionMode.Forced, blocking: true, compacting: false);
        var ranked = candidates.Select((c, i) => new TunedCandidate(c.Name, ms[i])).OrderBy(t => t.Milliseconds).ToArray();
        LastTuning = new TuningResult(key, ranked, FromCache: false);
        TuningCache.For(Pool.ThreadCount).Set(key, candidates[best].Name);
        _plan = plans[best];
        return plans[best];
    }

    /// <summary>
    /// True when Yᵀ (OutPlane × Mg) = colᵀ·Wᵀ wastes clearly less of the register tiles than
    /// Y = W·col: a small output plane (7×7 = 49 pixels) fills 4 column panels of 16 with 15 of
    /// the last one empty, but 9 row panels of 6 with 5 empty. The result must then be transposed
    /// into Y, a pass over the output that costs about as much per element as
    /// <see cref="TransposeCostMacs"/> multiply-adds of the GEMM: with a short K (MobileNet's
    /// 16→96 expansions at 112×112) that pass costs more than the tiles save. The transposed tiles
    /// also finish with a per-column bias, which the microkernels do not run inline: 7×7 planes
    /// (model 0.85–0.88) measured 15–20 % slower transposed, so it takes a clear win (under 0.75).
    /// </summary>
    internal static bool PreferTransposed(int m, int pixels, int k, GemmKernel kern)
    {
        if (ForceTransposed is bool forced) return forced;
        double normal = (double)RoundUp(m, kern.MR) * RoundUp(pixels, kern.NR) * k;
        double transposed = (double)RoundUp(pixels, kern.MR) * RoundUp(m, kern.NR) * k + TransposeCostMacs * (double)pixels * m;
        return transposed < 0.75 * normal;
    }

    /// <summary>Overrides <see cref="PreferTransposed"/> (benchmarks' A/B switch); null: the model decides.</summary>
    internal static bool? ForceTransposed { get; set; }

    /// <summary>A microkernel does ~16 multiply-adds per cycle (two 8-lane FMAs); the transpose moves ~1 float per cycle.</summary>
    private const double TransposeCostMacs = 16;

    private static int RoundUp(int x, int to) => (x + to - 1) / to * to;

    /// <summary>
    /// W in the layout the path reads: packed A panels per group (GEMM paths), Wᵀ as packed B panels
    /// (transposed GEMM paths), transformed weights (Winograd), per-block tap vectors (channel-blocked
    /// depthwise), nothing (other depthwise, dot: they read W as is). The layout follows the path,
    /// and the path the input shape, which <see cref="PrepareConstants"/> does not see: so the plan
    /// only announces W, and the cache, keyed by W and the layout (<see cref="Tag"/>), prepares it on
    /// the plan's first run (or keeps the tuner's winner) and hands it to every later one. A W that
    /// is not the announced constant (computed at run time) is prepared for this run alone.
    /// </summary>
    private object? WeightsFor(Plan plan, Tensor wt) =>
        plan.Path is Path.Depthwise or Path.PointwiseDot ? null : _weights.TryGet(wt, Tag(plan), plan, PrepareUncached) ?? PrepareUncached(plan, wt);

    /// <summary>Which preparation a plan's weights are: GEMM A panels, Wᵀ panels, Winograd of a tile size, depthwise blocks of a width.</summary>
    private static int Tag(Plan plan) => plan.Path switch
    {
        Path.DepthwiseBlocked => 20 + plan.DepthwiseBlocked!.Block, // the packed layout is per block width
        Path.Winograd => 10 + plan.Winograd!.Tile,
        _ => plan.Transposed ? 2 : 0,
    };

    /// <summary>The weights <paramref name="plan"/>'s path reads, prepared now (the cache's producer, and the tuner's).</summary>
    private static object? PrepareUncached(Plan plan, Tensor wt) => plan.Path switch
    {
        Path.Depthwise or Path.PointwiseDot => null,
        Path.DepthwiseBlocked => plan.DepthwiseBlocked!.PackWeights(wt.Floats),
        Path.Winograd => plan.Winograd!.TransformWeights(wt.Floats),
        _ => plan.Transposed ? PackGroupsTransposed(plan.Shape, wt) : PackGroups(plan.Shape, wt),
    };

    /// <summary>W as [G] GEMM A operands of Mg × (Cg·taps), packed for the best kernel.</summary>
    private static PackedMatrix[] PackGroups(ConvShape s, Tensor w)
    {
        int k = s.Cg * s.Taps;
        var packed = new PackedMatrix[s.G];
        fixed (float* pw = w.Floats)
            for (int g = 0; g < s.G; g++)
                packed[g] = Sgemm.PackA(GemmOperand.MatrixA(pw + (long)g * s.Mg * k, k), s.Mg, k);
        return packed;
    }

    /// <summary>Wᵀ per group as the GEMM B operand: (Cg·taps) × Mg.</summary>
    private static PackedMatrix[] PackGroupsTransposed(ConvShape s, Tensor w)
    {
        int k = s.Cg * s.Taps;
        var packed = new PackedMatrix[s.G];
        fixed (float* pw = w.Floats)
            for (int g = 0; g < s.G; g++)
                packed[g] = Sgemm.PackB(GemmOperand.MatrixB(pw + (long)g * s.Mg * k, k, transposed: true), k, s.Mg);
        return packed;
    }

    private void Execute(Plan plan)
    {
        var s = plan.Shape;
        switch (plan.Path)
        {
            case Path.Depthwise:
                Pool.ParallelFor(s.N * s.C, this, static (self, i) => self.DepthwiseTask(i));
                return;
            case Path.DepthwiseBlocked:
                Pool.ParallelFor(s.N * plan.DepthwiseBlocked!.Blocks, this, static (self, i) => self.DepthwiseBlockTask(i));
                ResidualPass(s);
                return;
            case Path.PointwiseDot:
                Pool.ParallelFor(s.N * ((s.M + DotBlock - 1) / DotBlock), this, static (self, i) => self.DotTask(i));
                return;
            case Path.Winograd:
                plan.Winograd!.Run(_x, (WinogradWeights)_packed!, _bias, _y, Op.Activation, Pool, _z);
                return;
        }
        LastBands = 0;
        int tasks = s.N * s.G;
        long flopsPerTask = 2L * s.Mg * s.OutPlane * s.Cg * s.Taps;
        int threads = Pool.ThreadCount;
        // Many small GEMMs (groups, batches): one per thread item, each serial. One or a few big
        // ones: run them in turn and let Sgemm split each over the threads.
        bool perTask = threads > 1 && tasks >= threads && (tasks % threads == 0 || tasks >= 4 * threads || flopsPerTask < 4_000_000);
        if (perTask) Pool.ParallelFor(tasks, this, static (self, i) => self.GemmTask(i, parallel: false));
        else if (plan.Path == Path.Im2ColInPlace && (InPlaceBands || plan.Transposed) && threads > 1)
        {
            LastBands = plan.Bands;
            LastSplitChannels = plan.SplitChannels;
            Pool.ParallelFor(tasks * plan.Bands, this, static (self, i) => self.BandTask(i));
        }
        else
            for (int i = 0; i < tasks; i++) GemmTask(i, parallel: true);
    }

    /// <summary>
    /// Y = act(Y + Z) over every output plane, for blocked depthwise, which writes Y in channel
    /// blocks the residual cannot follow; it ran with no activation.
    /// </summary>
    private void ResidualPass(in ConvShape s)
    {
        if (_z == null) return;
        Pool.ParallelFor(s.N * s.M, this, static (self, i) =>
        {
            long at = (long)i * self._run!.Shape.OutPlane;
            ConvEpilogue.AddResidual(self._y + at, self._z + at, self._run.Shape.OutPlane, self.Op.Activation);
        });
    }

    private const int DotBlock = 64;

    /// <summary>
    /// A 1×1 conv of a single pixel (squeeze-excite blocks, conv classifiers): y[m] = W[m,:]·x, a
    /// matrix-vector product; a GEMM would pad its single column to a whole register tile.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void DotTask(int i)
    {
        var s = _run!.Shape;
        int blocks = (s.M + DotBlock - 1) / DotBlock;
        int n = i / blocks, m0 = i % blocks * DotBlock, m1 = Math.Min(s.M, m0 + DotBlock);
        var act = Op.Activation;
        for (int m = m0; m < m1; m++)
        {
            int g = m / s.Mg;
            var w = new ReadOnlySpan<float>(_w + (long)m * s.Cg, s.Cg);
            var x = new ReadOnlySpan<float>(_x + (long)n * s.C + (long)g * s.Cg, s.Cg);
            float v = System.Numerics.Tensors.TensorPrimitives.Dot(w, x) + (_bias == null ? 0f : _bias[m]);
            if (_z != null) v += _z[(long)n * s.M + m];
            _y[(long)n * s.M + m] = act.Apply(v);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void DepthwiseTask(int i)
    {
        var s = _run!.Shape;
        int n = i / s.C, c = i % s.C;
        _run.Depthwise!.RunChannel(_x + (long)n * s.C * s.InPlane, _w, _bias, _y + (long)n * s.M * s.OutPlane, c, PathActivation);
        if (_z != null)
        {
            // The channel's planes (one per depth multiplier) are still in cache.
            int mult = s.M / s.C;
            long at = ((long)n * s.M + (long)c * mult) * s.OutPlane;
            ConvEpilogue.AddResidual(_y + at, _z + at, mult * s.OutPlane, Op.Activation);
        }
    }

    private void DepthwiseBlockTask(int i)
    {
        var s = _run!.Shape;
        var k = _run.DepthwiseBlocked!;
        int n = i / k.Blocks;
        float[] packed = (float[])_packed!;
        fixed (float* pw = packed) // pinned at allocation: fixed only takes its address
            k.RunBlock(_x + (long)n * s.C * s.InPlane, _w, _bias, _y + (long)n * s.M * s.OutPlane, i % k.Blocks, PathActivation, pw);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void GemmTask(int i, bool parallel)
    {
        var plan = _run!;
        var s = plan.Shape;
        TaskOperands(i, out float* x, out float* y, out var weights, out float* bias);
        // The image side: X itself (pointwise) or its im2col view; K × pixels, or pixels × K when transposed.
        GemmOperand image;
        if (plan.Normalized is { } normalized)
        {
            // X normalised while it is packed; the same view serves as B and as the transposed product's A.
            var src = normalized[i];
            src.X = x;
            fixed (float* mean = _normMean, factor = _normFactor, shift = _normShift) // pinned at allocation
            {
                int c0 = i % s.G * s.Cg;
                src.Mean = mean + c0;
                src.Factor = factor + c0;
                src.Shift = shift + c0;
            }
            image = GemmOperand.FromSource(src);
        }
        else if (plan.Path == Path.Pointwise)
            image = plan.Transposed ? GemmOperand.MatrixA(x, s.InPlane, transposed: true) : GemmOperand.MatrixB(x, s.InPlane);
        else if (plan.Path == Path.PointwiseInPlace) // ChannelRows is pinned at allocation
        {
            int* rows = (int*)Unsafe.AsPointer(ref MemoryMarshal.GetArrayDataReference(plan.ChannelRows!));
            image = plan.Transposed ? GemmOperand.RowTableA(x, rows) : GemmOperand.RowTableB(x, rows);
        }
        else if (plan.Path == Path.Im2ColInPlace) image = default; // RunInPlace below
        else if (plan.Sources[i] is Im2ColSource src)
        {
            if (src.NeedsPadding) Pad(src, s, x, ThreadScratch.Get(ScratchSlot.Im2Col, src.PaddedFloats), parallel);
            else src.SetInput(x);
            image = GemmOperand.FromSource(src);
        }
        else
        {
            var nd = (Im2ColSourceNd)plan.Sources[i];
            nd.Input = x;
            image = GemmOperand.FromSource(nd);
        }
        int k = s.Cg * s.Taps, pixels = s.OutPlane;
        var pool = parallel ? Pool : null;
        if (plan.Path == Path.Im2ColInPlace)
        {
            RunInPlace((Im2ColSource)plan.Sources[i], s, x, y, weights, bias, parallel);
            return;
        }
        // Z sits at the same offset from its base as this task's Y.
        float* z = _z == null ? null : _z + (y - _y);
        if (!plan.Transposed)
        {
            var epilogue = new GemmEpilogue(bias, bias == null ? GemmBias.None : GemmBias.PerRow, Op.Activation) { Residual = z };
            Sgemm.Multiply(s.Mg, pixels, k, 1f, weights, image, 0f, y, pixels, epilogue, pool);
            return;
        }
        float* yt = ThreadScratch.Get(ScratchSlot.Temp2, (long)pixels * s.Mg);
        var epilogueT = new GemmEpilogue(bias, bias == null ? GemmBias.None : GemmBias.PerColumn, PathActivation);
        var kern = weights.Packed?.Kernel ?? GemmKernel.Best;
        var (tm, tn) = parallel && MatrixTranspose.Shared
            ? Sgemm.ChooseSplit(pixels, s.Mg, k, image.Packed is not null || image.RowOffsets != null && kern.IndirectAVariants is not null,
                weights.Packed is not null, kern, Pool.ThreadCount)
            : (1, 1);
        if (tm * tn > 1)
        {
            // Each task computes its region of Yᵀ and puts it back into Y itself (and adds the
            // residual there): one hand-off instead of a GEMM and a transposition pass, no task reads
            // what another core wrote, and the region is still in the cache that computed it
            // (only a parallel GemmTask, one at a time, uses these fields).
            _tImage = image;
            _tNormalized = NormalizeLocal ? plan.Normalized?[i] : null;
            _tWeights = weights;
            _tEpilogue = epilogueT;
            _transposeFrom = yt;
            _transposeTo = y;
            _transposeZ = z;
            (_tK, _tm, _tn) = (k, tm, tn);
            Pool.ParallelFor(tm * tn, this, static (self, t) => self.TransposedPart(t));
            _transposeFrom = _transposeTo = _transposeZ = null;
            _tImage = _tWeights = default;
            _tNormalized = null;
            return;
        }
        if (NormalizeLocal && plan.Normalized is { } norm) image = NormalizedLocally(norm[i], k, 0, pixels, kern);
        Sgemm.Multiply(pixels, s.Mg, k, 1f, image, weights, 0f, yt, s.Mg, epilogueT, parallel ? Pool : null);
        Transpose(yt, pixels, s.Mg, y);
        if (z != null) ConvEpilogue.AddResidual(y, z, s.Mg * pixels, Op.Activation);
    }

    /// <summary>Task <paramref name="t"/> of a parallel transposed GEMM: its region of Yᵀ = imageᵀ·Wᵀ, then of Y (and Z).</summary>
    private void TransposedPart(int t)
    {
        var s = _run!.Shape;
        int pixels = s.OutPlane, channels = s.Mg;
        var kern = _tWeights.Packed?.Kernel ?? GemmKernel.Best;
        var (m0, m1, n0, n1) = Sgemm.Region(pixels, channels, kern, _tm, _tn, t);
        if (m0 >= m1 || n0 >= n1) return;
        var image = _tNormalized is { } normalized ? NormalizedLocally(normalized, _tK, m0, m1, kern) : _tImage;
        Sgemm.MultiplyRegion(pixels, channels, _tK, 1f, image, _tWeights, 0f, _transposeFrom, channels, _tEpilogue, m0, m1, n0, n1);
        MatrixTranspose.TransposeRegion(_transposeFrom, pixels, channels, _transposeTo, m0, m1, n0, n1);
        if (_transposeZ != null)
            for (int c = n0; c < n1; c++)
            {
                long at = (long)c * pixels + m0;
                ConvEpilogue.AddResidual(_transposeTo + at, _transposeZ + at, m1 - m0, Op.Activation);
            }
    }

    private GemmOperand _tImage, _tWeights;
    private NormalizedChannels? _tNormalized;

    /// <summary>
    /// Pixels [<paramref name="m0"/>, <paramref name="m1"/>) of every channel normalised in one streaming
    /// pass into this thread's scratch (see <see cref="NormalizedChannels.NormalizeRegion"/>), as the
    /// transposed product's A (pixels × channels) over those rows.
    /// </summary>
    private static GemmOperand NormalizedLocally(NormalizedChannels normalized, int k, int m0, int m1, GemmKernel kern)
    {
        int rows = m1 - m0;
        float* local = ThreadScratch.Get(ScratchSlot.Im2Col, (long)k * rows);
        normalized.NormalizeRegion(local, k, m0, m1);
        if (!NormalizedInPlace || kern.IndirectAVariants is null) return GemmOperand.MatrixA(local - m0, rows, transposed: true);
        // The copy is already what the A-in-place kernels broadcast from (channel k's pixels at
        // k·rows): a row table over it replaces packing 6-pixel panels out of it, a second pass.
        int* offsets = (int*)ThreadScratch.Get(ScratchSlot.Temp1, k);
        for (int c = 0; c < k; c++) offsets[c] = c * rows;
        return GemmOperand.RowTableA(local - m0, offsets);
    }

    /// <summary>Off: the locally normalised copy is packed into panels before the product (benchmarks' A/B switch).</summary>
    internal static bool NormalizedInPlace { get; set; } = true;

    /// <summary>
    /// On: the transposed pointwise path with an input normalisation first normalises each task's
    /// pixels of every channel into that thread's scratch in one streaming pass, then packs the 6-wide
    /// panels from there; off: it normalises while packing, which reads one short piece of every
    /// channel row in turn. With X and W hot (a layer timed alone) the two are within 3 %; in a
    /// model, where X comes from L3 or the other core, DenseNet-121's 1×1 convs at 14×14 ran 20 %
    /// faster and the model 7 % (benchmarks' A/B switch).
    /// </summary>
    internal static bool NormalizeLocal { get; set; } = true;
    private GemmEpilogue _tEpilogue;
    private int _tK, _tm, _tn;
    private float* _transposeFrom, _transposeTo, _transposeZ;

    /// <summary>
    /// The fused input normalisation's per-channel statistics, folded as the BatchNormalization's own
    /// Cpu kernel folds them; for a path that cannot normalise while packing, X is normalised into a
    /// copy (the pass the BatchNormalization node made) and the path reads that.
    /// </summary>
    private void PrepareNormalization(IReadOnlyList<Tensor?> inputs, Tensor xt, Plan plan)
    {
        var bn = Op.InputNormalization!;
        int channels = xt.Shape[1];
        if (_normMean.Length != channels)
        {
            _normMean = GC.AllocateArray<float>(channels, pinned: true);
            _normFactor = GC.AllocateArray<float>(channels, pinned: true);
            _normShift = GC.AllocateArray<float>(channels, pinned: true);
        }
        inputs[6]!.Floats.CopyTo(_normMean);
        inputs[5]!.Floats.CopyTo(_normShift);
        BatchNormalizationCpu.Factors(inputs[4]!.Floats, inputs[7]!.Floats, bn.Epsilon, _normFactor);
        if (plan.Normalized is not null && plan.TuneKey is null) return; // normalised while packed; tuning may pick a path that reads the copy
        _normX = ThreadScratch.Get(ScratchSlot.NormalizedInput, xt.Length);
        NormalizeCopy(xt);
    }

    /// <summary>X normalised into <see cref="_normX"/>, a channel plane per item (the statistics folded already).</summary>
    private void NormalizeCopy(Tensor xt)
    {
        int channels = xt.Shape[1];
        int plane = xt.Length / Math.Max(1, xt.Shape[0] * channels);
        ParallelRange.For(Pool, xt.Shape[0] * channels, Math.Max(1, 32768 / Math.Max(1, plane)), (Self: this, X: xt, Plane: plane, Channels: channels, Act: Op.InputNormalization!.Activation),
            static (j, p0, p1) =>
            {
                for (int p = p0; p < p1; p++)
                {
                    int c = p % j.Channels;
                    BatchNormalizationCpu.Normalize(j.X.Floats.Slice(p * j.Plane, j.Plane), new Span<float>(j.Self._normX + (long)p * j.Plane, j.Plane),
                        j.Self._normMean[c], j.Self._normFactor[c], j.Self._normShift[c], j.Act);
                }
            });
    }

    /// <summary>What <paramref name="plan"/>'s path reads as X: the normalised copy, except on the packed pointwise paths, which normalise as they pack.</summary>
    private float* InputFor(Plan plan) => Op.InputNormalization is null || plan.Normalized is not null ? _xIn : _normX;

    /// <summary>On: the pointwise paths read a normalised copy of X too instead of normalising while they pack (benchmarks' A/B switch; read when a shape is planned).</summary>
    internal static bool NormalizeByCopy { get; set; }

    /// <summary>Task <paramref name="i"/>'s (image n, group g) input and output channels, packed weights and bias.</summary>
    private void TaskOperands(int i, out float* x, out float* y, out GemmOperand weights, out float* bias)
    {
        var s = _run!.Shape;
        int n = i / s.G, g = i % s.G;
        x = _x + ((long)n * s.C + (long)g * s.Cg) * s.InPlane;
        y = _y + ((long)n * s.M + (long)g * s.Mg) * s.OutPlane;
        weights = GemmOperand.FromPacked(((PackedMatrix[])_packed!)[g]);
        bias = _bias == null ? null : _bias + (long)g * s.Mg;
    }

    /// <summary>Copies the group's channels at <paramref name="x"/> into <paramref name="padded"/> with zero borders; <paramref name="src"/> then reads from there.</summary>
    private void Pad(Im2ColSource src, in ConvShape s, float* x, float* padded, bool parallel)
    {
        if (parallel && Pool.ThreadCount > 1 && s.Cg > 1)
        {
            // The copy is a pass over the whole input: share it out like the GEMM.
            _padSource = src;
            _padX = x;
            _padDst = padded;
            Pool.ParallelFor(s.Cg, this, static (self, c) => self._padSource!.PadChannel(self._padX, self._padDst, c));
            _padSource = null;
            src.UsePadded(padded);
        }
        else src.PadInput(x, padded);
    }

    /// <summary>
    /// A stride-1 or stride-2 conv as Y' = W·B over the grid (OH rows of GridWidth pixels), B's
    /// row k being the padded image (split into phases for stride 2) read from offset
    /// RowOffsets[k], so nothing is packed; the grid's rows are then compacted into Y's OW-wide
    /// rows. Bias and activation run in the GEMM epilogue.
    /// </summary>
    private void RunInPlace(Im2ColSource src, in ConvShape s, float* x, float* y, in GemmOperand weights, float* bias, bool parallel)
    {
        int plane = src.BandPlane(s.OH);
        if (!parallel || Pool.ThreadCount == 1)
        {
            // One band of all the rows: the whole padded image.
            fixed (int* table = src.RowOffsets)
                RunInPlaceRows(src, s, x, y, weights, bias, plane, table, 0, s.OH, 0, s.Mg);
            return;
        }
        int wp = src.GridWidth, cols = GridColumns(s.OH, wp), k = s.Cg * s.Taps;
        // The pad is a pass over the whole input: share it out like the GEMM, a channel each.
        float* padded = ThreadScratch.Get(ScratchSlot.Im2Col, src.BandFloats(plane));
        _padSource = src;
        _padX = x;
        _padDst = padded;
        _padPlane = plane;
        Pool.ParallelFor(s.Cg, this, static (self, c) => self._padSource!.PadBandChannel(self._padX, self._padDst, self._padPlane, 0, self._run!.Shape.OH, c));
        _padSource = null;
        src.PadBandTail(padded, plane);
        float* grid = ThreadScratch.Get(ScratchSlot.Temp2, (long)s.Mg * cols);
        var epilogue = new GemmEpilogue(bias, bias == null ? GemmBias.None : GemmBias.PerRow, PathActivation);
        fixed (int* rows = src.RowOffsets)
            Sgemm.Multiply(s.Mg, cols, k, 1f, weights, GemmOperand.RowTableB(padded, rows), 0f, grid, cols, epilogue, Pool);
        // Only a parallel GemmTask (one at a time) shares the compaction out through these fields.
        _grid = grid;
        _gridY = y;
        _gridZ = _z == null ? null : _z + (y - _y);
        _gridWidth = wp;
        _gridColumns = cols;
        Pool.ParallelFor(s.Mg, this, static (self, m) =>
            CompactGrid(self._grid + (long)m * self._gridColumns, self._gridY, self._gridZ, self._run!.Shape, self._gridWidth, m, 0, self._run.Shape.OH, self.Op.Activation));
        _grid = _gridY = _gridZ = null;
    }

    private float* _grid, _gridY, _gridZ;
    private int _gridWidth, _gridColumns;

    /// <summary>
    /// Chooses how many parts Im2ColInPlace splits an image and group into on this kernel's pool
    /// (one per thread when Sgemm would split the whole GEMM at all, else one) and whether they
    /// are bands of output rows or ranges of output channels, whichever has the cheaper slowest
    /// part in a model that counts its tiles' multiply-adds (a ragged last column panel rounded up
    /// to half a panel, the channels to whole row panels) and streaming its rows of the weights
    /// at about 16 multiply-adds per float: every band reads all of W. On small planes W is large
    /// and the GEMM short, so W's traffic decides: ResNet-18's 512→512 7×7 ran 1.5× as fast split
    /// over channels, its 64→64 56×56 1.1× as fast in bands (2 threads).
    /// </summary>
    private void PlanBands(Plan plan)
    {
        var s = plan.Shape;
        var src = (Im2ColSource)plan.Sources[0];
        var kern = GemmKernel.Best;
        // Channel parts are whole panels of W: row panels (MR) of Y, or column panels (NR) of Yᵀ.
        int width = ChannelPanel(plan), threads = Pool.ThreadCount, k = s.Cg * s.Taps, panels = (s.Mg + width - 1) / width;
        int gw = plan.Transposed ? s.OW : src.GridWidth; // Yᵀ's rows are the real pixels only
        var (tm, tn) = Sgemm.ChooseSplit(s.Mg, s.OH * gw, k, packedA: true, packedB: true, kern, threads);
        int parts = InPlaceBandCount > 0 ? InPlaceBandCount : tm * tn > 1 ? threads : 1;
        // Yᵀ's tiles: pixels exact (row variants), channels rounded to half a column panel.
        double Cost(int rows, int cols) => plan.Transposed
            ? (double)RoundUp(rows, kern.NR / 2) * cols * k + 16.0 * rows * k
            : (double)rows * RoundUp(cols, kern.NR / 2) * k + 16.0 * rows * k;
        double bands = Cost(s.Mg, (s.OH + parts - 1) / parts * gw);
        double channels = Cost(Math.Min(s.Mg, (panels + parts - 1) / parts * width), s.OH * gw);
        plan.SplitChannels = SplitChannels ?? ForceSplitChannels ?? channels < bands;
        plan.Bands = Math.Min(plan.SplitChannels ? panels : s.OH, parts);
        plan.BandPlane = src.BandPlane(plan.SplitChannels ? s.OH : (s.OH + plan.Bands - 1) / plan.Bands);
        plan.BandRows = src.BandRowOffsets(plan.BandPlane);
    }

    /// <summary>The output channels of one panel of the packed weights: a row panel of W, or a column panel of Wᵀ.</summary>
    private static int ChannelPanel(Plan plan) => plan.Transposed ? GemmKernel.Best.NR : GemmKernel.Best.MR;

    /// <summary>
    /// Item <paramref name="i"/> = (task, band) of a banded Im2ColInPlace: the band's output rows of
    /// one image and group, all three steps (pad, GEMM, compaction) on this thread. Splitting each
    /// step on its own, as <see cref="RunInPlace"/> does, has each thread read lines the other
    /// core has just written (the GEMM's B rows, the compaction's grid rows), and on a VM whose
    /// vCPUs exchange cache lines slowly that made two threads barely faster than one. A band reads
    /// only X (its rows and the window's halo: (KH − 1)·DH rows for stride 1, half that for stride 2)
    /// and writes only its rows of Y.
    /// </summary>
    private void BandTask(int i)
    {
        var plan = _run!;
        var s = plan.Shape;
        int task = i / plan.Bands, part = i % plan.Bands;
        int oh0 = 0, oh1 = s.OH, m0 = 0, m1 = s.Mg;
        if (plan.SplitChannels)
        {
            // Whole panels of the packed weights, each part with its own copy of the padded image.
            int width = ChannelPanel(plan);
            var (p0, p1) = CpuThreadPool.Partition((s.Mg + width - 1) / width, plan.Bands, part);
            (m0, m1) = (p0 * width, Math.Min(s.Mg, p1 * width));
        }
        else (oh0, oh1) = CpuThreadPool.Partition(s.OH, plan.Bands, part);
        TaskOperands(task, out float* x, out float* y, out var weights, out float* bias);
        fixed (int* table = plan.BandRows) // pinned at allocation
            RunInPlaceRows((Im2ColSource)plan.Sources[task], s, x, y, weights, bias, plan.BandPlane, table, oh0, oh1, m0, m1);
    }

    /// <summary>
    /// Output rows [<paramref name="oh0"/>, <paramref name="oh1"/>) of output channels [<paramref name="m0"/>,
    /// <paramref name="m1"/>) of a stride-1 or stride-2 conv on the calling thread: the rows' padded input rows (phases) into
    /// this thread's scratch (channels <paramref name="plane"/> floats apart, read through
    /// <paramref name="table"/>), the GEMM over their grid, and the compaction of the grid into Y.
    /// </summary>
    private void RunInPlaceRows(Im2ColSource src, in ConvShape s, float* x, float* y, in GemmOperand weights, float* bias,
        int plane, int* table, int oh0, int oh1, int m0, int m1)
    {
        int wp = src.GridWidth, cols = GridColumns(oh1 - oh0, wp), k = s.Cg * s.Taps;
        float* padded = ThreadScratch.Get(ScratchSlot.Im2Col, src.BandFloats(plane));
        src.PadBand(x, padded, plane, oh0, oh1 - oh0);
        if (_run!.Transposed)
        {
            RunInPlaceRowsTransposed(s, padded, table, y, weights, bias, oh0, oh1, m0, m1);
            return;
        }
        float* grid = ThreadScratch.Get(ScratchSlot.Temp2, (long)s.Mg * cols);
        var epilogue = new GemmEpilogue(bias, bias == null ? GemmBias.None : GemmBias.PerRow, PathActivation);
        Sgemm.MultiplyRegion(s.Mg, cols, k, 1f, weights, GemmOperand.RowTableB(padded, table), 0f, grid, cols, epilogue, m0, m1, 0, cols);
        float* z = _z == null ? null : _z + (y - _y);
        for (int m = m0; m < m1; m++) CompactGrid(grid + (long)m * cols, y, z, s, wp, m, oh0, oh1, Op.Activation);
    }

    /// <summary>
    /// <see cref="RunInPlaceRows"/> for Im2ColInPlaceT: the band's Yᵀ (its real output pixels × output
    /// channels [<paramref name="m0"/>, <paramref name="m1"/>), bias and activation in the epilogue),
    /// each pixel's taps read from the padded rows through the pixel and tap tables, then transposed
    /// straight into Y's rows; the residual is added there while they are in cache.
    /// </summary>
    private void RunInPlaceRowsTransposed(in ConvShape s, float* padded, int* table, float* y, in GemmOperand weights, float* bias,
        int oh0, int oh1, int m0, int m1)
    {
        int pixels = (oh1 - oh0) * s.OW, k = s.Cg * s.Taps, at = oh0 * s.OW;
        float* yt = ThreadScratch.Get(ScratchSlot.Temp2, (long)pixels * s.Mg);
        var epilogue = new GemmEpilogue(bias, bias == null ? GemmBias.None : GemmBias.PerColumn, PathActivation);
        fixed (int* pix = _run!.Pixels) // pinned at allocation
            Sgemm.MultiplyRegion(pixels, s.Mg, k, 1f, GemmOperand.RowTableA(padded, table, pix), weights, 0f, yt, s.Mg, epilogue, 0, pixels, m0, m1);
        // Yᵀ's row i is Y's pixel at + i: transposed with Y's plane as the row stride, from a base
        // `at` rows before yt (never read there).
        MatrixTranspose.TransposeRegion(yt - (long)at * s.Mg, s.OutPlane, s.Mg, y, at, at + pixels, m0, m1);
        if (_z != null)
        {
            float* z = _z + (y - _y);
            for (int m = m0; m < m1; m++)
            {
                long o = (long)m * s.OutPlane + at;
                ConvEpilogue.AddResidual(y + o, z + o, pixels, Op.Activation);
            }
        }
    }

    /// <summary>
    /// Columns of the grid of <paramref name="rows"/> output rows of <paramref name="wp"/> pixels,
    /// rounded up to half a column panel: the last panel then runs the in-place full- or
    /// half-width microkernel instead of packing a ragged strip for the scratch-tile edge kernel,
    /// which cost ResNet-18's stride-2 14×14 (7·8 = 56 columns) about a tenth. The extra columns
    /// read at most NR/2 floats past the grid's last row, into the padded source's zeroed tail.
    /// </summary>
    private static int GridColumns(int rows, int wp) => RoundGrid ? RoundUp(rows * wp, GemmKernel.Best.NR / 2) : rows * wp;

    /// <summary>Off: <see cref="GridColumns"/> leaves the grid ragged (benchmarks' A/B switch).</summary>
    internal static bool RoundGrid { get; set; } = true;

    /// <summary>
    /// Output channel <paramref name="m"/>'s real pixels in rows [<paramref name="oh0"/>, <paramref name="oh1"/>):
    /// the first OW of each <paramref name="wp"/>-wide row of its grid rows at <paramref name="grid"/>, which hold those rows only; then,
    /// with a residual <paramref name="z"/> (Y's layout), act(Y + Z) on those rows while they are in cache.
    /// </summary>
    private static void CompactGrid(float* grid, float* y, float* z, in ConvShape s, int wp, int m, int oh0, int oh1, FusedActivation act)
    {
        float* src = grid, dst = y + (long)m * s.OutPlane;
        for (int oh = oh0; oh < oh1; oh++)
            new ReadOnlySpan<float>(src + (long)(oh - oh0) * wp, s.OW).CopyTo(new Span<float>(dst + (long)oh * s.OW, s.OW));
        if (z != null)
        {
            long at = (long)m * s.OutPlane + (long)oh0 * s.OW;
            ConvEpilogue.AddResidual(y + at, z + at, (oh1 - oh0) * s.OW, act);
        }
    }

    /// <summary>dst[j, i] = src[i, j] for a rows × cols source, in blocks that stay in L1.</summary>
    private static void Transpose(float* src, int rows, int cols, float* dst)
    {
        MatrixTranspose.Transpose(src, rows, cols, dst);
    }
}
