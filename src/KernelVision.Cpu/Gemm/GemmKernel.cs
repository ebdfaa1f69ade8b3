using System.Runtime.Intrinsics;

namespace KernelVision.Cpu.Gemm;

/// <summary>
/// One microkernel and its blocking: MR×NR register tile, KC (depth of a packed panel: the B
/// micro-panel KC×NR stays in L1), MC (rows of the packed A block, MC×KC stays in L2) and NC
/// (columns of the packed B block, KC×NC in L3). Sgemm picks <see cref="Best"/> at start-up;
/// callers may force another (tests exercise every path; benchmarks compare them).
/// </summary>
public sealed unsafe class GemmKernel
{
    internal readonly delegate*<nint, float*, float*, float*, nint, ref TileEpilogue, void> Micro;

    /// <summary>
    /// Microkernels per tile shape, index (rows − 1)·2 + (full width ? 1 : 0), that write exactly
    /// that many rows and NR or NR/2 columns; null when the kernel only has the full tile.
    /// </summary>
    internal readonly delegate*<nint, float*, float*, float*, nint, ref TileEpilogue, void>[]? Variants;

    /// <summary>
    /// <see cref="Variants"/> that read B in place (k rows ldb apart) instead of from a packed
    /// panel; null when the kernel has none.
    /// </summary>
    internal readonly delegate*<nint, float*, float*, nint, float*, nint, ref TileEpilogue, void>[]? StridedVariants;

    /// <summary>
    /// <see cref="Variants"/> that read B in place through a table of row offsets (<see cref="GemmOperand.RowTableB"/>);
    /// null when the kernel has none.
    /// </summary>
    internal readonly delegate*<nint, float*, float*, int*, float*, nint, ref TileEpilogue, void>[]? IndirectVariants;

    /// <summary>
    /// <see cref="Variants"/> that read A in place through a table of row offsets (<see cref="GemmOperand.RowTableA"/>)
    /// and B from a packed panel; null when the kernel has none.
    /// </summary>
    internal readonly delegate*<nint, float*, float*, int*, int*, float*, nint, ref TileEpilogue, void>[]? IndirectAVariants;

    /// <summary>
    /// <see cref="IndirectAVariants"/> over two adjacent full column panels at once, per rows computed
    /// (index rows − 1); null when the kernel has too few registers for the 24-accumulator tile.
    /// </summary>
    internal delegate*<nint, float*, float*, int*, int*, float*, nint, ref TileEpilogue, void>[]? IndirectA2Variants { get; private init; }

    private GemmKernel(string name, int mr, int nr, int kc, int mc, int nc, bool accelerated, bool canRun,
        delegate*<nint, float*, float*, float*, nint, ref TileEpilogue, void> micro,
        delegate*<nint, float*, float*, float*, nint, ref TileEpilogue, void>[]? variants,
        delegate*<nint, float*, float*, nint, float*, nint, ref TileEpilogue, void>[]? stridedVariants = null,
        delegate*<nint, float*, float*, int*, float*, nint, ref TileEpilogue, void>[]? indirectVariants = null,
        delegate*<nint, float*, float*, int*, int*, float*, nint, ref TileEpilogue, void>[]? indirectAVariants = null)
    {
        IndirectVariants = indirectVariants;
        IndirectAVariants = indirectAVariants;
        Variants = variants;
        StridedVariants = stridedVariants;
        Name = name;
        MR = mr;
        NR = nr;
        KC = kc;
        MC = mc;
        NC = nc;
        IsHardwareAccelerated = accelerated;
        CanRun = canRun;
        Micro = micro;
    }

    /// <summary>"avx512", "avx2", "vector128" or "scalar".</summary>
    public string Name { get; }
    /// <summary>Rows of the register tile (A panel width).</summary>
    public int MR { get; }
    /// <summary>Columns of the register tile (B panel width).</summary>
    public int NR { get; }
    /// <summary>K block depth.</summary>
    public int KC { get; }
    /// <summary>Rows of a packed A block (multiple of MR).</summary>
    public int MC { get; }
    /// <summary>Columns of a packed B block (multiple of NR).</summary>
    public int NC { get; }
    /// <summary>True when this machine runs the kernel in hardware (false: it runs, but emulated).</summary>
    public bool IsHardwareAccelerated { get; }
    /// <summary>True when the kernel can run here at all (Avx2 needs the Fma instructions; the others fall back to software).</summary>
    public bool CanRun { get; }

    /// <summary>
    /// Off (KV_WIDE_INDIRECT_A=0): the A-in-place products run one column panel per tile on AVX-512
    /// too (benchmarks' A/B switch, read at start-up). Declared before the kernels: static fields
    /// initialise in order.
    /// </summary>
    internal static readonly bool WideIndirectA = Environment.GetEnvironmentVariable("KV_WIDE_INDIRECT_A") != "0";

    /// <summary>KV_GEMM_KC: the AVX-512 kernel's K block depth instead of its default (benchmarks' A/B switch, read at start-up).</summary>
    internal static readonly int Avx512Kc = int.TryParse(Environment.GetEnvironmentVariable("KV_GEMM_KC"), out int kc) && kc is >= 16 and <= 1024 ? kc : 192;

    /// <summary>6×32 on Vector512 (Avx512F).</summary>
    public static GemmKernel Avx512 { get; } = new("avx512", Vector512Microkernel.MR, Vector512Microkernel.NR,
        kc: Avx512Kc, mc: 144, nc: 4096, Vector512Microkernel.IsHardwareAccelerated, canRun: true, Vector512Microkernel.Variants[11], Vector512Microkernel.Variants, Vector512Microkernel.StridedVariants, Vector512Microkernel.IndirectVariants, Vector512Microkernel.IndirectAVariants)
    {
        IndirectA2Variants = WideIndirectA ? Vector512Microkernel.IndirectA2Variants : null,
    };


    /// <summary>6×16 on Avx2+Fma.</summary>
    public static GemmKernel Avx2 { get; } = new("avx2", Avx2Microkernel.MR, Avx2Microkernel.NR,
        kc: 256, mc: 144, nc: 4080, Avx2Microkernel.IsHardwareAccelerated, Avx2Microkernel.IsHardwareAccelerated, Avx2Microkernel.Variants[11], Avx2Microkernel.Variants, Avx2Microkernel.StridedVariants, Avx2Microkernel.IndirectVariants, Avx2Microkernel.IndirectAVariants);

    /// <summary>6×8 on Vector128 (SSE, Arm AdvSimd).</summary>
    public static GemmKernel Vector128 { get; } = new("vector128", Vector128Microkernel.MR, Vector128Microkernel.NR,
        kc: 256, mc: 144, nc: 4080, Vector128Microkernel.IsHardwareAccelerated, canRun: true, Vector128Microkernel.Variants[11], Vector128Microkernel.Variants, Vector128Microkernel.StridedVariants, Vector128Microkernel.IndirectVariants, Vector128Microkernel.IndirectAVariants);

    /// <summary>4×4 scalar.</summary>
    public static GemmKernel Scalar { get; } = new("scalar", ScalarMicrokernel.MR, ScalarMicrokernel.NR,
        kc: 256, mc: 128, nc: 2048, accelerated: true, canRun: true, &ScalarMicrokernel.Run, null);

    /// <summary>Every kernel, widest first.</summary>
    public static IReadOnlyList<GemmKernel> All { get; } = [Avx512, Avx2, Vector128, Scalar];

    /// <summary>
    /// The fastest kernel this machine runs in hardware: Avx512 → Avx2 → Vector128 → Scalar.
    /// The environment variable KV_GEMM_KERNEL (a <see cref="Name"/>) overrides it.
    /// </summary>
    public static GemmKernel Best { get; } = ChooseBest();

    /// <summary>The kernel called <paramref name="name"/> (case-insensitive), or null.</summary>
    public static GemmKernel? ByName(string name) =>
        All.FirstOrDefault(k => string.Equals(k.Name, name, StringComparison.OrdinalIgnoreCase));

    private static GemmKernel ChooseBest()
    {
        if (Environment.GetEnvironmentVariable("KV_GEMM_KERNEL") is { Length: > 0 } forced
            && ByName(forced) is { CanRun: true } k)
            return k;
        if (Avx512.IsHardwareAccelerated) return Avx512;
        if (Avx2.IsHardwareAccelerated) return Avx2;
        if (Vector128.IsHardwareAccelerated) return Vector128;
        return Scalar;
    }

    /// <inheritdoc/>
    public override string ToString() => $"{Name} {MR}x{NR}";
}
