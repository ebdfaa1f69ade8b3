#!/usr/bin/env python3
"""Writes the register-tiled GEMM kernels of the Gpu engine (src/KernelVision.Gpu/Device/PackedGemm.g.cs).

ILGPU 1.5.3 never unrolls loops, so a register tile held in an array indexed by a loop variable stays
in .local memory. Every kernel here is therefore straight-line where it matters: the RM x RN
accumulators are Vec4 locals (one per row and column quad), the global->register prefetch of the next
K step is one named local per element, and the k-loop body is RM/4 + RN/4 vector shared loads
(ld.shared.v4) followed by RM*RN fused multiply-adds. A is read from a zero-padded, k-major packed
copy ([slice][Kp][Mp], Mp a multiple of 4), so its loads are aligned 16-byte vectors with no K bound;
B comes through the problem's division-free column loader (IPackedGemmProblem). Shared memory is
double-buffered: one barrier per K step.

Run from the repository root:  python3 tools/gen_gpu_gemm.py
"""
import pathlib

OUT = pathlib.Path(__file__).resolve().parent.parent / "src/KernelVision.Gpu/Device/PackedGemm.g.cs"

# name, TM, TN, TK, RM, RN, doc
TILES = [
    ("Gemm128x128", 128, 128, 8, 8, 8, "128×128 tile, K-step 8, 256 threads of 8×8: large problems on GPUs."),
    ("Gemm128x64", 128, 64, 8, 8, 8, "128×64 tile, K-step 8, 128 threads of 8×8: tall problems on GPUs."),
    ("Gemm64x128", 64, 128, 8, 8, 8, "64×128 tile, K-step 8, 128 threads of 8×8: wide problems on GPUs."),
    ("Gemm64x64", 64, 64, 8, 8, 8, "64×64 tile, K-step 8, 64 threads of 8×8: small problems on GPUs."),
    ("Gemm32x32", 32, 32, 8, 8, 8, "32×32 tile, K-step 8, 16 threads of 8×8: devices with small groups."),
    ("GemmSim64", 64, 64, 32, 16, 16,
     "64×64 tile, K-step 32, 16 threads of 16×16: the simulator's tile (most arithmetic per simulated barrier; it would use too many registers on a GPU)."),
]

KMULT = 32  # Kp and split-K chunks are multiples of this: a multiple of every tile's K-step.


def log2(x):
    r = x.bit_length() - 1
    assert 1 << r == x, x
    return r


def kernel(name, TM, TN, TK, RM, RN, doc):
    T = (TM // RM) * (TN // RN)
    assert T >= TM // 4 and T % (TM // 4) == 0, name
    assert KMULT % TK == 0
    colThreads = TN // RN
    QA = TK * TM // 4 // T            # A quads per thread per K step
    aRowStep = T // (TM // 4)         # k rows between a thread's A quads
    bw = min(TN, T)                   # threads along one B row
    CPT = max(1, TN // T)             # B columns per thread
    RPP = max(1, T // TN)             # B rows per pass
    RB = TK // RPP                    # B rows per thread per column
    SM = TM // (RM // 4)              # row distance between a thread's A quads
    SN = TN // (RN // 4)
    L = []
    w = L.append
    w(f"    /// <summary>{doc}</summary>")
    w(f"    public static void {name}<TProblem>(PackedGemmArgs<TProblem> a) where TProblem : struct, IPackedGemmProblem")
    w("    {")
    w("        var p = a.P;")
    w(f"        var sA = SharedMemory.Allocate<float>({2 * TK * TM});")
    w(f"        var sB = SharedMemory.Allocate<float>({2 * TK * TN});")
    w("        var sA4 = sA.Cast<Vec4>();")
    w("        var sB4 = sB.Cast<Vec4>();")
    w("        var gA4 = a.APacked.Cast<Vec4>();")
    w("        int tid = Group.IdxX;")
    w(f"        int tx = tid & {colThreads - 1}, ty = tid >> {log2(colThreads)};")
    w(f"        int m0 = Grid.IdxY * {TM}, n0 = Grid.IdxX * {TN};")
    w("        // Once per thread (the only divisions): split-K slice, K range, A and B loader state.")
    w("        int zAll = Grid.IdxZ, z = zAll / a.Splits, split = zAll - z * a.Splits;")
    w("        int kBegin = split * a.Chunk;")
    w("        int kEnd = XMath.Min(kBegin + a.Chunk, a.Kp), kLimit = XMath.Min(kEnd, p.K);")
    w("        int mp4 = a.Mp >> 2;")
    w(f"        int aq = tid & {TM // 4 - 1}, ak = tid >> {log2(TM // 4)};")
    w("        bool aOk = m0 + 4 * aq < a.Mp;")
    w("        int aBase = z * (a.Kp * mp4) + (m0 >> 2) + aq + ak * mp4;")
    w(f"        int aSt = ak * {TM // 4} + aq;")
    bcol = f"tid & {bw - 1}"
    w(f"        int bn = {bcol}, bk = tid >> {log2(bw)};")
    for c in range(CPT):
        w(f"        int bCol{c} = n0 + bn + {c * T};")
        w(f"        var col{c} = p.Column(z, bCol{c});")
        w(f"        bool nOk{c} = bCol{c} < p.N;")
    # prefetch variables
    for j in range(QA):
        w(f"        Vec4 pa{j} = default;")
    for c in range(CPT):
        for r in range(RB):
            w(f"        float pb{c}_{r} = 0f;")
    for i in range(RM):
        for jq in range(RN // 4):
            w(f"        Vec4 c{i}_{jq} = default;")

    def emit_load(indent, k0):
        for j in range(QA):
            w(f"{indent}pa{j} = aOk ? gA4[aBase + ({k0} + {j * aRowStep}) * mp4] : default;")
        for c in range(CPT):
            for r in range(RB):
                kk = f"{k0} + bk + {r * RPP}"
                w(f"{indent}pb{c}_{r} = nOk{c} && {kk} < kLimit ? p.B(col{c}, {kk}) : 0f;")

    def emit_store(indent, buf):
        for j in range(QA):
            w(f"{indent}sA4[{buf} * {TK * TM // 4} + aSt + {j * aRowStep * TM // 4}] = pa{j};")
        for c in range(CPT):
            for r in range(RB):
                w(f"{indent}sB[{buf} * {TK * TN} + (bk + {r * RPP}) * {TN} + bn + {c * T}] = pb{c}_{r};")

    w("        if (kBegin < kEnd)")
    w("        {")
    emit_load("            ", "kBegin")
    emit_store("            ", "0")
    w("        }")
    w("        Group.Barrier();")
    w("        int cur = 0;")
    w(f"        for (int k0 = kBegin; k0 < kEnd; k0 += {TK})")
    w("        {")
    w(f"            bool more = k0 + {TK} < kEnd;")
    w("            // Prefetch the next K step into registers while this one is multiplied out of shared memory.")
    w("            if (more)")
    w("            {")
    emit_load("                ", f"k0 + {TK}")
    w("            }")
    w(f"            int ar = cur * {TK * TM // 4} + ty, br = cur * {TK * TN // 4} + tx;")
    w(f"            for (int kk = 0; kk < {TK}; kk++)")
    w("            {")
    for q in range(RM // 4):
        w(f"                Vec4 a{q} = sA4[ar + kk * {TM // 4} + {q * SM // 4}];")
    for q in range(RN // 4):
        w(f"                Vec4 b{q} = sB4[br + kk * {TN // 4} + {q * SN // 4}];")
    comps = "XYZW"
    for i in range(RM):
        av = f"a{i // 4}.{comps[i % 4]}"
        for jq in range(RN // 4):
            for cc in comps:
                w(f"                c{i}_{jq}.{cc} = Fma({av}, b{jq}.{cc}, c{i}_{jq}.{cc});")
    w("            }")
    w("            if (more)")
    w("            {")
    emit_store("                ", "(cur ^ 1)")
    w("            }")
    w("            Group.Barrier();")
    w("            cur ^= 1;")
    w("        }")
    w("        // Epilogue: the problem's fused store, or this split's partial sums.")
    for i in range(RM):
        row = f"m0 + {(i // 4) * SM} + ty * 4 + {i % 4}"
        w(f"        {{ int m = {row};")
        w("          if (m < p.M)")
        w("          {")
        for jq in range(RN // 4):
            for ci, cc in enumerate(comps):
                w(f"            Put(a, zAll, z, m, n0 + {jq * SN} + tx * 4 + {ci}, c{i}_{jq}.{cc});")
        w("          } }")
    w("    }")
    return L, T


def main():
    out = [
        "// <auto-generated> by tools/gen_gpu_gemm.py: edit the generator, not this file. </auto-generated>",
        "using ILGPU;",
        "using ILGPU.Algorithms;",
        "",
        "namespace KernelVision.Gpu.Device;",
        "",
        "/// <summary>",
        "/// The register-tiled GEMM kernels (one per tile shape; see tools/gen_gpu_gemm.py for the form).",
        "/// Grid: (ceil(N/TN), ceil(M/TM), slices·splits); group: (TM/RM)·(TN/RN) threads.",
        "/// </summary>",
        "public static partial class PackedGemm",
        "{",
    ]
    threads = []
    for t in TILES:
        body, T = kernel(*t)
        threads.append((t[0], t[1], t[2], t[3], T))
        out += body
        out.append("")
    out.append("    /// <summary>(kernel name, TM, TN, TK, threads) of every generated tile.</summary>")
    out.append("    public static readonly (string Name, int TM, int TN, int TK, int Threads)[] Tiles =")
    out.append("    [")
    for n, tm, tn, tk, T in threads:
        out.append(f"        (nameof({n}), {tm}, {tn}, {tk}, {T}),")
    out.append("    ];")
    out.append("")
    out.append(f"    /// <summary>Kp and split-K chunks are multiples of this (a multiple of every tile's K-step).</summary>")
    out.append(f"    public const int KMultiple = {KMULT};")
    out.append("}")
    OUT.write_text("\n".join(out) + "\n")
    print(f"wrote {OUT}")


if __name__ == "__main__":
    main()
