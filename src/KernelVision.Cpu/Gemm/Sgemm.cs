using System.Runtime.CompilerServices;
using KernelVision.Cpu.Memory;
using KernelVision.Cpu.Threading;
using KernelVision.Ops;

namespace KernelVision.Cpu.Gemm;

/// <summary>
/// Single-precision GEMM, C = act(alpha·op(A)·op(B) + beta·C + bias), row-major, in the
/// GotoBLAS/BLIS scheme: B is packed in KC×NC blocks (L3), A in MC×KC blocks (L2), and a
/// register-blocked FMA microkernel (<see cref="GemmKernel"/>) multiplies an MR-row panel of A by
/// an NR-column panel of B (the B panel stays in L1). Bias and activation are applied while the
/// last K block's tile is still in registers. Large problems are split over the threads of a
/// <see cref="CpuThreadPool"/> along M or N, whichever duplicates less packing.
/// beta = 0 never reads C, so C may hold garbage.
/// </summary>
public static unsafe class Sgemm
{
    /// <summary>
    /// Problems below this many flops (2·M·N·K) run on the calling thread only. Measured on a 2-core
    /// Zen 3: 96³ ran 0.8× as fast on two threads (the second core first has to pull A and B out of
    /// the first core's caches), 128³ 1.5× as fast.
    /// </summary>
    public static long ParallelThresholdFlops { get; set; } = 3_000_000;

    /// <summary>
    /// Problems whose operands hold at least this many floats run in parallel even below
    /// <see cref="ParallelThresholdFlops"/>: a matrix-vector product (a classifier's Gemm at batch 1)
    /// is bound by streaming its weights, and one core streams at about half the rate of two.
    /// </summary>
    public static long ParallelThresholdFloats { get; set; } = 256 * 1024;

    /// <summary>
    /// C = act(alpha·op(A)·op(B) + beta·C + bias) on row-major spans. op(A) is M×K: A is stored
    /// [M, lda] or, when <paramref name="transA"/>, [K, lda]; op(B) is K×N: B is stored [K, ldb] or,
    /// when <paramref name="transB"/>, [N, ldb]; C is [M, ldc]. The bias has M (PerRow) or N
    /// (PerColumn) elements. <paramref name="pool"/> null runs on the calling thread;
    /// <paramref name="kernel"/> null picks <see cref="GemmKernel.Best"/>.
    /// </summary>
    public static void Multiply(bool transA, bool transB, int m, int n, int k, float alpha,
        ReadOnlySpan<float> a, int lda, ReadOnlySpan<float> b, int ldb, float beta, Span<float> c, int ldc,
        ReadOnlySpan<float> bias = default, GemmBias biasMode = GemmBias.None, FusedActivation activation = default,
        CpuThreadPool? pool = null, GemmKernel? kernel = null)
    {
        if (m < 0 || n < 0 || k < 0) throw new ArgumentOutOfRangeException(nameof(m), $"dimensions must be non-negative, got M={m}, N={n}, K={k}");
        CheckMatrix(a.Length, transA ? k : m, transA ? m : k, lda, "A");
        CheckMatrix(b.Length, transB ? n : k, transB ? k : n, ldb, "B");
        CheckMatrix(c.Length, m, n, ldc, "C");
        int biasNeeded = biasMode switch { GemmBias.PerRow => m, GemmBias.PerColumn => n, _ => 0 };
        if (biasMode != GemmBias.None && bias.Length < biasNeeded)
            throw new ArgumentException($"bias has {bias.Length} elements, {biasMode} needs {biasNeeded}", nameof(bias));
        fixed (float* pa = a)
        fixed (float* pb = b)
        fixed (float* pc = c)
        fixed (float* pbias = bias)
        {
            var epilogue = new GemmEpilogue(biasMode == GemmBias.None ? null : pbias, biasMode, activation);
            Multiply(m, n, k, alpha, GemmOperand.MatrixA(pa, lda, transA), GemmOperand.MatrixB(pb, ldb, transB),
                beta, pc, ldc, epilogue, pool, kernel);
        }
    }

    private static void CheckMatrix(int length, int rows, int cols, int ld, string name)
    {
        if (ld < Math.Max(1, cols)) throw new ArgumentException($"leading dimension of {name} is {ld}, less than its {cols} columns");
        if (rows > 0 && cols > 0 && length < (long)(rows - 1) * ld + cols)
            throw new ArgumentException($"{name} has {length} elements, a {rows}×{cols} matrix with leading dimension {ld} needs {(long)(rows - 1) * ld + cols}");
    }

    /// <summary>
    /// The general form: C (row-major, leading dimension <paramref name="ldc"/>) =
    /// act(alpha·op(A)·op(B) + beta·C + bias) with op(A) M×K and op(B) K×N given as
    /// <see cref="GemmOperand"/>s (strided, custom-packed or pre-packed). When an operand is
    /// pre-packed, its <see cref="PackedMatrix.Kernel"/> is used.
    /// </summary>
    public static void Multiply(int m, int n, int k, float alpha, in GemmOperand a, in GemmOperand b,
        float beta, float* c, int ldc, in GemmEpilogue epilogue = default, CpuThreadPool? pool = null, GemmKernel? kernel = null)
    {
        if (m < 0 || n < 0 || k < 0) throw new ArgumentOutOfRangeException(nameof(m), $"dimensions must be non-negative, got M={m}, N={n}, K={k}");
        if (m == 0 || n == 0) return;
        var p = CreateProblem(m, n, k, alpha, a, b, beta, c, ldc, epilogue, kernel);
        if (k == 0)
        {
            ScaleOnly(p);
            return;
        }
        if (n == 1 && m > 1 && ldc == 1 && a.Packed is null && b.Packed is null)
        {
            // A matrix-vector product: as C is a column, Cᵀ = op(B)ᵀ·op(A)ᵀ is the same memory as a
            // row, and the swapped problem runs on the M = 1 kernel instead of wasting 15/16 of
            // every tile on padding columns.
            (p.M, p.N, p.A, p.B, p.Ldc) = (1, m, b, a, m);
            float* rowBias = p.RowBias;
            p.RowBias = p.ColBias;
            p.ColBias = rowBias;
        }
        // A B read through a row table costs nothing to prepare, like a pre-packed one.
        bool bReady = p.B.Packed is not null || (p.B.RowOffsets != null && p.Kernel.IndirectVariants is not null);
        bool aReady = p.A.Packed is not null || (p.A.RowOffsets != null && p.Kernel.IndirectAVariants is not null);
        var (tm, tn) = ChooseSplit(p.M, p.N, p.K, aReady, bReady, p.Kernel, pool?.ThreadCount ?? 1);
        if (tm * tn == 1)
        {
            RunRegion(p, 0, p.M, 0, p.N);
            return;
        }
        var job = t_job ?? new SplitJob();
        t_job = null; // a nested call on this thread gets its own
        job.P = p;
        job.Tm = tm;
        job.Tn = tn;
        try { pool!.ParallelFor(tm * tn, job); }
        finally
        {
            job.P = default;
            t_job = job;
        }
    }

    /// <summary>
    /// Region <paramref name="index"/> of a <paramref name="tm"/>×<paramref name="tn"/> task grid over
    /// an M×N product (the grid <see cref="ChooseSplit"/> picks; boundaries on panel multiples, as
    /// <see cref="Multiply(int, int, int, float, in GemmOperand, in GemmOperand, float, float*, int, in GemmEpilogue, CpuThreadPool?, GemmKernel?)"/>
    /// splits it), for callers that run the tasks themselves; an empty region has m0 ≥ m1 or n0 ≥ n1.
    /// </summary>
    internal static (int M0, int M1, int N0, int N1) Region(int m, int n, GemmKernel kern, int tm, int tn, int index)
    {
        var (r0, r1) = CpuThreadPool.Partition((m + kern.MR - 1) / kern.MR, tm, index / tn);
        var (c0, c1) = CpuThreadPool.Partition((n + kern.NR - 1) / kern.NR, tn, index % tn);
        return (r0 * kern.MR, Math.Min(m, r1 * kern.MR), c0 * kern.NR, Math.Min(n, c1 * kern.NR));
    }

    /// <summary>
    /// C[m0..m1, n0..n1] of C = act(alpha·op(A)·op(B) + beta·C + bias) (the whole M×N×K product's
    /// operands) on the calling thread, for callers that split the product themselves (a region of
    /// <see cref="Region"/>, or bands of rows over all columns); m0 and n0 must be panel multiples, K positive.
    /// </summary>
    internal static void MultiplyRegion(int m, int n, int k, float alpha, in GemmOperand a, in GemmOperand b,
        float beta, float* c, int ldc, in GemmEpilogue epilogue, int m0, int m1, int n0, int n1)
    {
        var p = CreateProblem(m, n, k, alpha, a, b, beta, c, ldc, epilogue, null);
        if (k <= 0 || m0 % p.Kernel.MR != 0 || n0 % p.Kernel.NR != 0 || m0 < 0 || n0 < 0 || m1 > m || n1 > n)
            throw new ArgumentOutOfRangeException(nameof(m0), $"region [{m0}, {m1}) × [{n0}, {n1}) of M={m}, N={n}, K={k}");
        if (m0 < m1 && n0 < n1) RunRegion(p, m0, m1, n0, n1);
    }

    /// <summary>The problem after the argument checks and the kernel's choice.</summary>
    private static Problem CreateProblem(int m, int n, int k, float alpha, in GemmOperand a, in GemmOperand b,
        float beta, float* c, int ldc, in GemmEpilogue epilogue, GemmKernel? kernel)
    {
        if (ldc < n) throw new ArgumentException($"ldc {ldc} is less than N={n}", nameof(ldc));
        if (c == null) throw new ArgumentNullException(nameof(c));
        if (epilogue.Residual != null && beta != 0f) throw new ArgumentException("a residual needs beta = 0", nameof(beta));
        if (k > 0 && (a.IsEmpty || b.IsEmpty)) throw new ArgumentException("operands must be set");
        kernel = ResolveKernel(a, b, m, n, k, kernel);
        return new Problem
        {
            M = m,
            N = n,
            K = k,
            Alpha = alpha,
            Beta = beta,
            A = a,
            B = b,
            C = c,
            Ldc = ldc,
            Residual = epilogue.Residual,
            RowBias = epilogue.BiasMode == GemmBias.PerRow ? epilogue.Bias : null,
            ColBias = epilogue.BiasMode == GemmBias.PerColumn ? epilogue.Bias : null,
            Activation = epilogue.Activation,
            Kernel = kernel,
        };
    }

    /// <summary>
    /// Packs op(A) (M×K) once for <paramref name="kernel"/> (default <see cref="GemmKernel.Best"/>);
    /// pass the result as <see cref="GemmOperand.FromPacked"/> to every later multiply.
    /// </summary>
    public static PackedMatrix PackA(in GemmOperand a, int m, int k, GemmKernel? kernel = null) =>
        Pack(a, isA: true, m, k, kernel ?? GemmKernel.Best);

    /// <summary>Packs op(B) (K×N) once for <paramref name="kernel"/> (default <see cref="GemmKernel.Best"/>).</summary>
    public static PackedMatrix PackB(in GemmOperand b, int k, int n, GemmKernel? kernel = null) =>
        Pack(b, isA: false, n, k, kernel ?? GemmKernel.Best);

    /// <summary>Packs a row-major A ([M, lda], or [K, lda] when <paramref name="transA"/>).</summary>
    public static PackedMatrix PackA(ReadOnlySpan<float> a, int m, int k, int lda, bool transA = false, GemmKernel? kernel = null)
    {
        CheckMatrix(a.Length, transA ? k : m, transA ? m : k, lda, "A");
        fixed (float* pa = a) return PackA(GemmOperand.MatrixA(pa, lda, transA), m, k, kernel);
    }

    /// <summary>Packs a row-major B ([K, ldb], or [N, ldb] when <paramref name="transB"/>).</summary>
    public static PackedMatrix PackB(ReadOnlySpan<float> b, int k, int n, int ldb, bool transB = false, GemmKernel? kernel = null)
    {
        CheckMatrix(b.Length, transB ? n : k, transB ? k : n, ldb, "B");
        fixed (float* pb = b) return PackB(GemmOperand.MatrixB(pb, ldb, transB), k, n, kernel);
    }

    /// <summary>
    /// An A operand (M×K) packed for <paramref name="kernel"/> whose rows are filled later, block by
    /// block, with <see cref="PackRowsA"/>: for producers (Winograd's weight transform) that would
    /// otherwise materialise the whole unpacked matrix first.
    /// </summary>
    internal static PackedMatrix AllocatePackedA(int m, int k, GemmKernel kernel) => new(kernel, isA: true, m, k);

    /// <summary>Packs rows [<paramref name="m0"/>, +<paramref name="count"/>) of op(A) into <paramref name="dst"/>; <paramref name="m0"/> must be a multiple of the kernel's MR.</summary>
    internal static void PackRowsA(in GemmOperand a, PackedMatrix dst, int m0, int count)
    {
        if (m0 % dst.Width != 0 || m0 < 0 || m0 + count > dst.Extent) throw new ArgumentOutOfRangeException(nameof(m0));
        for (int k0 = 0; k0 < dst.Depth; k0 += dst.Kernel.KC)
        {
            int kc = Math.Min(dst.Kernel.KC, dst.Depth - k0);
            GemmPacking.PackBlock(a, dst.Panel(k0, m0), dst.Width, m0, count, k0, kc);
        }
    }

    private static PackedMatrix Pack(in GemmOperand op, bool isA, int extent, int depth, GemmKernel kernel)
    {
        if (extent < 0 || depth < 0) throw new ArgumentOutOfRangeException(nameof(extent), "dimensions must be non-negative");
        if (op.IsEmpty || op.Packed is not null) throw new ArgumentException("pack a strided or custom operand");
        var packed = new PackedMatrix(kernel, isA, extent, depth);
        int width = packed.Width;
        for (int k0 = 0; k0 < depth; k0 += kernel.KC)
        {
            int kc = Math.Min(kernel.KC, depth - k0);
            GemmPacking.PackBlock(op, packed.Panel(k0, 0), width, 0, extent, k0, kc);
        }
        return packed;
    }

    private static GemmKernel ResolveKernel(in GemmOperand a, in GemmOperand b, int m, int n, int k, GemmKernel? kernel)
    {
        if (a.Packed is { } pa)
        {
            if (!pa.IsA || pa.Extent != m || pa.Depth != k)
                throw new ArgumentException($"packed A is {(pa.IsA ? "an A" : "a B")} operand of extent {pa.Extent}, depth {pa.Depth}; the multiply needs A of {m}×{k}");
            if (kernel is not null && kernel != pa.Kernel) throw new ArgumentException($"A is packed for {pa.Kernel}, not {kernel}");
            kernel = pa.Kernel;
        }
        if (b.Packed is { } pb)
        {
            if (pb.IsA || pb.Extent != n || pb.Depth != k)
                throw new ArgumentException($"packed B is {(pb.IsA ? "an A" : "a B")} operand of extent {pb.Extent}, depth {pb.Depth}; the multiply needs B of {k}×{n}");
            if (kernel is not null && kernel != pb.Kernel) throw new ArgumentException($"B is packed for {pb.Kernel}, not {kernel}");
            kernel = pb.Kernel;
        }
        kernel ??= GemmKernel.Best;
        if (!kernel.CanRun) throw new PlatformNotSupportedException($"GEMM kernel {kernel} cannot run on this machine");
        return kernel;
    }

    /// <summary>Everything a region of the product needs.</summary>
    private struct Problem
    {
        public int M, N, K;
        public float Alpha, Beta;
        public GemmOperand A, B;
        public float* C;
        public nint Ldc;
        public float* Residual;   // added on the first K block through TileEpilogue.Source, or null
        public float* RowBias, ColBias;
        public FusedActivation Activation;
        public GemmKernel Kernel;
    }

    [ThreadStatic] private static SplitJob? t_job;

    /// <summary>One region per task of a tm×tn grid over C (boundaries on panel multiples).</summary>
    private sealed class SplitJob : IParallelWork
    {
        public Problem P;
        public int Tm, Tn;

        public void Execute(int index)
        {
            var (m0, m1, n0, n1) = Region(P.M, P.N, P.Kernel, Tm, Tn, index);
            if (m0 < m1 && n0 < n1) RunRegion(P, m0, m1, n0, n1);
        }
    }

    /// <summary>
    /// Picks a tm×tn grid of tasks (for an M×N×K product, with or without pre-packed operands) over C minimising the modelled makespan on
    /// <paramref name="threads"/> threads: the slowest task's multiply-adds (padded to whole tiles)
    /// plus its packing (an operand split across tasks is packed by each of them; pre-packed
    /// operands cost nothing), times the number of waves, plus a hand-off cost per thread woken.
    /// Up to 4 tasks per thread are considered: when that costs (almost) nothing extra — no
    /// duplicated packing — the finer grid wins, because the pool lets idle threads steal tasks and
    /// a core busy with something else then delays the layer by a small task, not by half of it.
    /// </summary>
    internal static (int Tm, int Tn) ChooseSplit(int m, int n, int k, bool packedA, bool packedB, GemmKernel kern, int threads)
    {
        if (ForceSplit is { } forced && threads > 1) return forced;
        if (threads <= 1 || (2.0 * m * n * k < ParallelThresholdFlops && ((long)m + n) * k < ParallelThresholdFloats)) return (1, 1);
        int mPanels = (m + kern.MR - 1) / kern.MR, nPanels = (n + kern.NR - 1) / kern.NR;
        const double PackCostPerElement = 12;   // in multiply-adds
        const double HandOffCost = 100_000;     // in multiply-adds per extra thread: wake-up (~1 µs) and pulling operands across cores
        const double TaskCost = 4_000;          // in multiply-adds per task
        bool variants = kern.Variants is not null;
        double Cost(int tm, int tn)
        {
            int t = tm * tn;
            var (rows, rowsWork) = Largest(m, mPanels, tm, kern.MR, variants ? 1 : kern.MR);
            var (cols, colsWork) = Largest(n, nPanels, tn, kern.NR, variants ? kern.NR / 2 : kern.NR);
            double task = rowsWork * colsWork * k + TaskCost;
            if (!packedA) task += PackCostPerElement * rows * k * Math.Ceiling(cols / kern.NC);
            if (!packedB) task += PackCostPerElement * cols * k;
            int waves = (t + threads - 1) / threads;
            return waves * task + HandOffCost * (Math.Min(t, threads) - 1);
        }

        // The largest part when `panels` panels of `width` (covering `total`) are split into `parts`:
        // its extent, and the extent the microkernels actually compute (a ragged last panel is
        // rounded up to `quantum`: rows are exact with tile variants, columns use a half or full panel).
        static (double Extent, double Work) Largest(int total, int panels, int parts, int width, int quantum)
        {
            double extent = 0, work = 0;
            for (int i = 0; i < parts; i++)
            {
                var (p0, p1) = CpuThreadPool.Partition(panels, parts, i);
                int e = Math.Min(total, p1 * width) - p0 * width;
                if (e <= 0) continue;
                int w = e / width * width + (e % width == 0 ? 0 : (e % width + quantum - 1) / quantum * quantum);
                extent = Math.Max(extent, e);
                work = Math.Max(work, w);
            }
            return (extent, work);
        }

        (int, int) best = (1, 1);
        double bestCost = Cost(1, 1);
        int maxTasks = 4 * threads;
        for (int t = 2; t <= maxTasks; t++)
        {
            if (t > threads && t % threads != 0) continue;
            for (int tm = 1; tm <= t; tm++)
            {
                if (t % tm != 0) continue;
                int tn = t / tm;
                if (tm > mPanels || tn > nPanels) continue;
                double cost = Cost(tm, tn);
                // Strictly better, or (with more tasks than threads) as good within 2 %.
                if (cost < bestCost * 0.98 || (t > threads && t > best.Item1 * best.Item2 && cost <= bestCost * 1.02))
                {
                    bestCost = Math.Min(bestCost, cost);
                    best = (tm, tn);
                }
            }
        }
        return best;
    }

    /// <summary>Off: the wide A-in-place tiles prefetch nothing (benchmarks' A/B switch).</summary>
    internal static bool PrefetchNextPanels { get; set; } = true;

    /// <summary>Overrides <see cref="ChooseSplit"/> on several threads (benchmarks' A/B switch).</summary>
    internal static (int Tm, int Tn)? ForceSplit { get; set; }

    /// <summary>C[m0..m1, n0..n1] of the product on the calling thread; m0 and n0 are panel multiples.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void RunRegion(in Problem p, int m0, int m1, int n0, int n1)
    {
        var kern = p.Kernel;
        int mr = kern.MR, nr = kern.NR, kcMax = kern.KC, mcMax = kern.MC, ncMax = kern.NC;
        var micro = kern.Micro;
        var variants = kern.Variants;
        int half = nr / 2;
        PackedMatrix? packedA = p.A.Packed, packedB = p.B.Packed;
        int kFirst = Math.Min(kcMax, p.K);
        // B read in place (no packed copy) when few row panels would reuse a packed B block: the
        // copy is then a large share of the work (MobileNet's 1×1 projections: 24 output channels).
        bool direct = packedB is null && p.B.Source is null && p.B.XStride == 1
                      && (p.B.RowOffsets != null ? kern.IndirectVariants is not null : kern.StridedVariants is not null && m1 - m0 <= DirectBMaxRows);
        // A read in place through its row table (a conv's pixels × taps): the microkernels broadcast
        // straight from the image, so there is nothing to pack on that side.
        var indirectA = p.A.RowOffsets != null && !direct ? kern.IndirectAVariants : null;
        float* bufA = packedA is null && indirectA is null ? ThreadScratch.Get(ScratchSlot.GemmPackA, (long)Math.Min(mcMax, RoundUp(m1 - m0, mr)) * kFirst) : null;
        float* bufB = packedB is null ? ThreadScratch.Get(ScratchSlot.GemmPackB, (long)Math.Min(ncMax, RoundUp(n1 - n0, nr)) * kFirst) : null;
        float* tmp = stackalloc float[MaxTile];
        var raw = TileEpilogue.Raw;
        var e = new TileEpilogue(p.Alpha, p.Activation);
        nint ldc = p.Ldc;

        for (int jc = n0; jc < n1; jc += ncMax)
        {
            int nc = Math.Min(ncMax, n1 - jc);
            for (int pc = 0; pc < p.K; pc += kcMax)
            {
                int kc = Math.Min(kcMax, p.K - pc);
                e.Beta = pc == 0 && p.Residual == null ? p.Beta : 1f;
                e.Source = pc == 0 && p.Residual != null ? (nint)(p.Residual - p.C) : 0;
                e.Last = pc + kc == p.K;
                if (direct)
                {
                    RunDirectB(p, ref e, bufA, bufB, tmp, m0, m1, jc, nc, pc, kc);
                    continue;
                }
                float* pb;
                if (packedB is not null) pb = packedB.Panel(pc, jc);
                else
                {
                    GemmPacking.PackBlock(p.B, bufB, nr, jc, nc, pc, kc);
                    pb = bufB;
                }
                if (indirectA is not null)
                {
                    float* nextBlock = packedB is not null && pc + kc < p.K ? packedB.Panel(pc + kc, jc) : null;
                    RunIndirectA(p, ref e, indirectA, pb, nextBlock, tmp, m0, m1, jc, nc, pc, kc);
                    continue;
                }
                for (int ic = m0; ic < m1; ic += mcMax)
                {
                    int mc = Math.Min(mcMax, m1 - ic);
                    float* pa = BlockA(p, bufA, ic, mc, pc, kc);
                    for (int jr = 0; jr < nc; jr += nr)
                    {
                        int nrr = Math.Min(nr, nc - jr);
                        float* bp = pb + (long)jr * kc;
                        e.ColBias = p.ColBias != null ? p.ColBias + jc + jr : null;
                        for (int ir = 0; ir < mc; ir += mr)
                        {
                            int mrr = Math.Min(mr, mc - ir);
                            float* ap = pa + (long)ir * kc;
                            float* cp = p.C + (ic + ir) * ldc + jc + jr;
                            e.RowBias = p.RowBias != null ? p.RowBias + ic + ir : null;
                            if (mrr == mr && nrr == nr) micro(kc, ap, bp, cp, ldc, ref e);
                            else if (variants is null)
                            {
                                micro(kc, ap, bp, tmp, nr, ref raw);
                                e.StoreScalar(tmp, nr, cp, ldc, mrr, nrr);
                            }
                            else
                            {
                                // Ragged edge: the kernel for exactly mrr rows and half or full width;
                                // straight into C when the width fits, else via a scratch tile.
                                var edge = variants[(mrr - 1) * 2 + (nrr > half ? 1 : 0)];
                                if (nrr == nr || nrr == half) edge(kc, ap, bp, cp, ldc, ref e);
                                else RunRagged(edge, kc, ap, bp, cp, ldc, mrr, nrr, nr, ref e, tmp);
                            }
                        }
                    }
                }
            }
        }
    }

    /// <summary>The A block [ic, ic+mc) × [pc, pc+kc) as packed panels: the pre-packed ones, or packed into <paramref name="bufA"/> now.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static float* BlockA(in Problem p, float* bufA, int ic, int mc, int pc, int kc)
    {
        if (p.A.Packed is { } packed) return packed.Panel(pc, ic);
        GemmPacking.PackBlock(p.A, bufA, p.Kernel.MR, ic, mc, pc, kc);
        return bufA;
    }

    /// <summary>
    /// Regions of at most this many rows of C read a row-major B in place instead of packing it
    /// (0 turns it off; benchmarks' A/B switch). Packing pays off when many row panels reuse the packed block.
    /// </summary>
    internal static int DirectBMaxRows { get; set; } = 48;

    /// <summary>
    /// One K block of a region with B read in place: the strided microkernels load B's k rows
    /// straight from the matrix; only a ragged last column panel is packed (into <paramref name="bufB"/>),
    /// since a full-width load there would run past the row.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void RunDirectB(in Problem p, ref TileEpilogue e, float* bufA, float* bufB, float* tmp,
        int m0, int m1, int jc, int nc, int pc, int kc)
    {
        var kern = p.Kernel;
        int mr = kern.MR, nr = kern.NR, half = nr / 2, mcMax = kern.MC;
        var strided = kern.StridedVariants;
        var indirect = kern.IndirectVariants;
        var variants = kern.Variants;
        int* koff = p.B.RowOffsets != null ? p.B.RowOffsets + pc : null;
        nint ldb = p.B.KStride, ldc = p.Ldc;
        float* b0 = koff != null ? p.B.Data : p.B.Data + pc * ldb;
        for (int ic = m0; ic < m1; ic += mcMax)
        {
            int mc = Math.Min(mcMax, m1 - ic);
            float* pa = BlockA(p, bufA, ic, mc, pc, kc);
            for (int jr = 0; jr < nc; jr += nr)
            {
                int nrr = Math.Min(nr, nc - jr);
                bool inPlace = nrr == nr || nrr == half;
                if (!inPlace) GemmPacking.PackBlock(p.B, bufB, nr, jc + jr, nrr, pc, kc);
                float* bp = b0 + jc + jr;
                e.ColBias = p.ColBias != null ? p.ColBias + jc + jr : null;
                for (int ir = 0; ir < mc; ir += mr)
                {
                    int mrr = Math.Min(mr, mc - ir);
                    float* ap = pa + (long)ir * kc;
                    float* cp = p.C + (ic + ir) * ldc + jc + jr;
                    e.RowBias = p.RowBias != null ? p.RowBias + ic + ir : null;
                    int shape = (mrr - 1) * 2 + (nrr > half ? 1 : 0);
                    if (inPlace && koff != null) indirect![shape](kc, ap, bp, koff, cp, ldc, ref e);
                    else if (inPlace) strided![shape](kc, ap, bp, ldb, cp, ldc, ref e);
                    else RunRagged(variants![shape], kc, ap, bufB, cp, ldc, mrr, nrr, nr, ref e, tmp);
                }
            }
        }
    }

    /// <summary>
    /// One K block of a region with A read in place through its row table: for each packed B panel
    /// (it stays in L1) every MR-row tile of the region, whose broadcasts read the k rows at
    /// <c>A.Data + RowOffsets[k] + row</c>. A ragged last column panel computes a whole panel into
    /// the scratch tile (B's panel is zero-padded) and copies the valid columns.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void RunIndirectA(in Problem p, ref TileEpilogue e,
        delegate*<nint, float*, float*, int*, int*, float*, nint, ref TileEpilogue, void>[] kernels, float* pb, float* nextBlock, float* tmp,
        int m0, int m1, int jc, int nc, int pc, int kc)
    {
        var kern = p.Kernel;
        int mr = kern.MR, nr = kern.NR, half = nr / 2;
        int* koff = p.A.RowOffsets + pc;
        // Rows i of a tile: at pixel offsets XOffsets[ir + i], or at ir + i (the table below, from a0 + ir).
        int* identity = stackalloc int[] { 0, 1, 2, 3, 4, 5, 6, 7 };
        int* pixels = p.A.XOffsets;
        float* a0 = p.A.Data;
        nint ldc = p.Ldc;
        var wide = kern.IndirectA2Variants;
        for (int jr = 0; jr < nc; jr += nr)
        {
            int nrr = Math.Min(nr, nc - jr);
            float* bp = pb + (long)jr * kc;
            e.ColBias = p.ColBias != null ? p.ColBias + jc + jr : null;
            if (wide is not null && jr + 2 * nr <= nc)
            {
                // Two full panels per tile where the register file allows (AVX-512: 24 accumulators).
                // Weights too big for the caches (ResNet-18's 512→512: 9.4 MiB) come from memory; few
                // row tiles (7×7 planes: 9) leave the first one waiting on every B load. So the first
                // 8 tiles each pull an eighth of the next pair (the tile prefetches a line per two k
                // steps: kc/2 lines, 8 of them a 2·NR-wide pair) into L2.
                float* next = !PrefetchNextPanels ? null : jr + 2 * nr < nc ? bp + 2L * nr * kc : nextBlock;
                long slice = (long)(kc / 2) * 16;
                for (int ir = m0, t = 0; ir < m1; ir += mr, t++)
                {
                    int mrr = Math.Min(mr, m1 - ir);
                    e.RowBias = p.RowBias != null ? p.RowBias + ir : null;
                    e.Prefetch = next != null && t < 8 ? next + t * slice : null;
                    if (pixels != null) wide[mrr - 1](kc, a0, bp, koff, pixels + ir, p.C + ir * ldc + jc + jr, ldc, ref e);
                    else wide[mrr - 1](kc, a0 + ir, bp, koff, identity, p.C + ir * ldc + jc + jr, ldc, ref e);
                }
                e.Prefetch = null;
                jr += nr;
                continue;
            }
            for (int ir = m0; ir < m1; ir += mr)
            {
                int mrr = Math.Min(mr, m1 - ir);
                float* cp = p.C + ir * ldc + jc + jr;
                e.RowBias = p.RowBias != null ? p.RowBias + ir : null;
                var kernel = kernels[(mrr - 1) * 2 + (nrr > half ? 1 : 0)];
                float* at = pixels != null ? a0 : a0 + ir;
                int* pix = pixels != null ? pixels + ir : identity;
                if (nrr == nr || nrr == half)
                {
                    kernel(kc, at, bp, koff, pix, cp, ldc, ref e);
                    continue;
                }
                // As RunRagged: C's current values (when added) and the column bias go through the tile.
                var local = BeginRagged(cp, ldc, mrr, nrr, nr, e, tmp);
                kernel(kc, at, bp, koff, pix, tmp, nr, ref local);
                EndRagged(cp, ldc, mrr, nrr, nr, tmp);
            }
        }
    }

    // A scratch tile (6 rows of 32) and, after it, room for one panel's column bias.
    private const int MaxTile = 6 * 32 + 32;

    /// <summary>
    /// A tile whose width is neither a full nor a half panel (the last columns of C): the kernel
    /// runs its own vector epilogue into the scratch tile <paramref name="tmp"/> (row stride
    /// <paramref name="nr"/>), which first receives C's current values when the epilogue adds to
    /// them and a zero-padded copy of the column bias (the kernel reads a whole panel of it), and
    /// only the <paramref name="nrr"/> valid columns are copied back. An element-by-element
    /// epilogue here cost a quarter of Winograd's time on 7×7 and 14×14 layers (49 or 196 columns).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void RunRagged(delegate*<nint, float*, float*, float*, nint, ref TileEpilogue, void> edge,
        nint kc, float* ap, float* bp, float* cp, nint ldc, int mrr, int nrr, int nr, ref TileEpilogue e, float* tmp)
    {
        var local = BeginRagged(cp, ldc, mrr, nrr, nr, e, tmp);
        edge(kc, ap, bp, tmp, nr, ref local);
        EndRagged(cp, ldc, mrr, nrr, nr, tmp);
    }

    /// <summary>
    /// <see cref="RunRagged"/>'s set-up: C's current values (when the epilogue adds them) and a
    /// zero-padded column bias into the scratch tile; returns the epilogue the kernel runs there with.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static TileEpilogue BeginRagged(float* cp, nint ldc, int mrr, int nrr, int nr, in TileEpilogue e, float* tmp)
    {
        uint rowBytes = (uint)(nrr * sizeof(float));
        if (e.Beta != 0f)
            for (int i = 0; i < mrr; i++) Unsafe.CopyBlockUnaligned(tmp + i * nr, cp + e.Source + i * ldc, rowBytes);
        var local = e;
        local.Source = 0; // the tile now holds what the Beta term adds
        if (e.Last && e.ColBias != null)
        {
            float* colBias = tmp + MaxTile - 32;
            new Span<float>(colBias, nr).Clear();
            Unsafe.CopyBlockUnaligned(colBias, e.ColBias, rowBytes);
            local.ColBias = colBias;
        }
        return local;
    }

    /// <summary><see cref="RunRagged"/>'s finish: the valid columns of the scratch tile back into C.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void EndRagged(float* cp, nint ldc, int mrr, int nrr, int nr, float* tmp)
    {
        uint rowBytes = (uint)(nrr * sizeof(float));
        for (int i = 0; i < mrr; i++) Unsafe.CopyBlockUnaligned(cp + i * ldc, tmp + i * nr, rowBytes);
    }

    private static int RoundUp(int x, int to) => (x + to - 1) / to * to;

    /// <summary>K = 0: the product is empty, C = act(beta·C + bias).</summary>
    private static void ScaleOnly(in Problem p)
    {
        var e = new TileEpilogue(0f, p.Activation)
        {
            Beta = p.Residual == null ? p.Beta : 1f,
            Source = p.Residual == null ? 0 : (nint)(p.Residual - p.C),
            Last = true,
            RowBias = p.RowBias,
            ColBias = p.ColBias,
        };
        float zero = 0;
        for (int i = 0; i < p.M; i++)
        {
            float* row = p.C + i * p.Ldc;
            for (int j = 0; j < p.N; j++) row[j] = e.Apply(zero, row + j, i, j);
        }
    }
}
