using System.Text.RegularExpressions;
using ILGPU;
using ILGPU.Algorithms;
using ILGPU.Backends.EntryPoints;
using ILGPU.Backends.PTX;
using ILGPU.Runtime.Cuda;

namespace KernelVision.Gpu.Runtime;

/// <summary>
/// What the PTX of one kernel says about its speed, read from the text ILGPU emits (no GPU needed):
/// local (spill-like) memory, shared memory, FP32 FMAs, shared/global loads and their vector width,
/// barriers, and integer divisions inside loops. Loops are found as backward branches (a branch to a
/// label earlier in the entry); the "main loop" is the innermost loop with the most FMAs, and the
/// "K loop" is the outermost loop that contains it.
/// </summary>
public sealed record PtxReport
{
    /// <summary>Bytes of .local memory declared (the register tile spilled to memory when not 0).</summary>
    public int LocalBytes { get; init; }
    /// <summary>Bytes of .shared memory declared.</summary>
    public int SharedBytes { get; init; }
    /// <summary>fma.rn.f32 instructions in the whole entry.</summary>
    public int Fmas { get; init; }
    /// <summary>Scalar/v2/v4 ld.shared instructions in the whole entry.</summary>
    public int SharedLoads { get; init; }
    /// <summary>ld.shared.v4 instructions.</summary>
    public int SharedLoadsV4 { get; init; }
    /// <summary>ld.global (any width) instructions.</summary>
    public int GlobalLoads { get; init; }
    /// <summary>ld.global.v4 instructions.</summary>
    public int GlobalLoadsV4 { get; init; }
    /// <summary>bar.sync / barrier.sync instructions.</summary>
    public int Barriers { get; init; }
    /// <summary>Integer div/rem instructions inside any loop.</summary>
    public int LoopDivRem { get; init; }
    /// <summary>Integer div/rem instructions inside loops that also contain FP32 multiplies (fused or not).</summary>
    public int FmaLoopDivRem { get; init; }
    /// <summary>FMAs in the main loop (the innermost loop with the most FP32 multiplies, fused or not).</summary>
    public int MainLoopFmas { get; init; }
    /// <summary>ld.shared instructions in the main loop.</summary>
    public int MainLoopSharedLoads { get; init; }
    /// <summary>mul.f32 + add.f32 pairs' worth of unfused multiply-adds in the main loop (min of the two counts).</summary>
    public int MainLoopUnfused { get; init; }
    /// <summary>Barriers in the K loop (the outermost loop around the main loop), counting nested loops' barriers too.</summary>
    public int KLoopBarriers { get; init; }
    /// <summary>True when a loop nested inside the K loop contains a barrier (more than one barrier per K step).</summary>
    public bool NestedBarrier { get; init; }

    /// <summary>FMAs per shared-load instruction in the main loop (FMAs when it loads nothing from shared memory).</summary>
    public double FmasPerSharedLoad => MainLoopSharedLoads == 0 ? MainLoopFmas : (double)MainLoopFmas / MainLoopSharedLoads;

    /// <summary>
    /// The GEMM-engine gate: no local memory, no div/rem in FMA loops, ≥ 16 FMAs per shared load in
    /// the main loop, exactly one barrier per K step. Returns the reasons it fails (empty: passes).
    /// </summary>
    public IReadOnlyList<string> GemmGateFailures()
    {
        var f = new List<string>();
        if (LocalBytes != 0) f.Add($"{LocalBytes} bytes of .local memory");
        if (FmaLoopDivRem != 0) f.Add($"{FmaLoopDivRem} integer div/rem in loops with FMAs");
        if (MainLoopFmas == 0) f.Add(MainLoopUnfused > 0 ? $"main loop multiplies unfused ({MainLoopUnfused} mul.f32+add.f32, no fma)" : "no fma.rn.f32 in any loop");
        else if (FmasPerSharedLoad < 16) f.Add($"{FmasPerSharedLoad:F1} FMAs per shared load in the main loop (< 16)");
        if (KLoopBarriers != 1 || NestedBarrier) f.Add($"{KLoopBarriers} barriers per K step{(NestedBarrier ? " (one in a nested loop)" : "")}");
        return f;
    }

    private static readonly Regex Decl = new(@"^\s*\.(local|shared)\s+(?:\.align\s+\d+\s+)?\.(\w+)\s+[\w$]+(?:\[(\d+)\])?", RegexOptions.Compiled);
    private static readonly Regex Label = new(@"^\s*([\w$]+):", RegexOptions.Compiled);
    private static readonly Regex Branch = new(@"\bbra(?:\.uni)?\s+([\w$]+)\s*;", RegexOptions.Compiled);
    private static readonly Regex DivRem = new(@"^\s*(?:@!?%\w+\s+)?(?:div|rem)\.(?:s|u)(?:16|32|64)\b", RegexOptions.Compiled);

    /// <summary>Analyses the PTX text of one entry point.</summary>
    public static PtxReport Analyse(string ptx)
    {
        var lines = ptx.Split('\n');
        int local = 0, shared = 0;
        var labels = new Dictionary<string, int>();
        for (int i = 0; i < lines.Length; i++)
        {
            var d = Decl.Match(lines[i]);
            if (d.Success)
            {
                int elem = ElementBytes(d.Groups[2].Value);
                int count = d.Groups[3].Success ? int.Parse(d.Groups[3].Value) : 1;
                if (d.Groups[1].Value == "local") local += elem * count; else shared += elem * count;
            }
            var l = Label.Match(lines[i]);
            if (l.Success) labels[l.Groups[1].Value] = i;
        }
        // Loops: [label line, backward-branch line].
        var loops = new List<(int Begin, int End)>();
        for (int i = 0; i < lines.Length; i++)
        {
            var b = Branch.Match(lines[i]);
            if (b.Success && labels.TryGetValue(b.Groups[1].Value, out int target) && target < i) loops.Add((target, i));
        }
        int Count(int from, int to, Func<string, bool> pred)
        {
            int c = 0;
            for (int i = from; i <= to; i++) if (pred(lines[i])) c++;
            return c;
        }
        static bool IsFma(string s) => s.Contains("fma.rn.f32");
        // A multiply of the dot product, fused or not (the old engine's mul.f32 + add.f32 pairs).
        static bool IsMul(string s) => s.Contains("fma.rn.f32") || s.Contains("mul.f32") || s.Contains("mul.rn.f32");
        static bool IsLdShared(string s) => s.Contains("ld.shared.");
        static bool IsBar(string s) => Regex.IsMatch(s, @"\b(bar|barrier)\.sync\b|\bbar\.sync\b|\bbarrier\.sync\b");
        bool IsDiv(string s) => DivRem.IsMatch(s);

        int loopDiv = 0, fmaLoopDiv = 0;
        var inLoop = new bool[lines.Length];
        var inFmaLoop = new bool[lines.Length];
        foreach (var (b, e) in loops)
        {
            bool hasFma = Count(b, e, IsMul) > 0;
            for (int i = b; i <= e; i++) { inLoop[i] = true; if (hasFma) inFmaLoop[i] = true; }
        }
        for (int i = 0; i < lines.Length; i++)
        {
            if (!IsDiv(lines[i])) continue;
            if (inLoop[i]) loopDiv++;
            if (inFmaLoop[i]) fmaLoopDiv++;
        }

        // Main loop: among loops with multiplies, those containing no other such loop; the one with most.
        (int Begin, int End)? main = null;
        int mainMuls = 0, mainFmas = 0;
        foreach (var lp in loops)
        {
            int f = Count(lp.Begin, lp.End, IsMul);
            if (f == 0) continue;
            bool innermost = !loops.Any(o => o != lp && o.Begin >= lp.Begin && o.End <= lp.End && Count(o.Begin, o.End, IsMul) > 0);
            if (innermost && f > mainMuls) { main = lp; mainMuls = f; }
        }
        int mainShared = 0, unfused = 0, kBarriers = 0;
        bool nestedBar = false;
        if (main is { } m)
        {
            mainFmas = Count(m.Begin, m.End, IsFma);
            mainShared = Count(m.Begin, m.End, IsLdShared);
            unfused = Math.Min(Count(m.Begin, m.End, s => s.Contains("mul.f32") || s.Contains("mul.rn.f32")),
                               Count(m.Begin, m.End, s => s.Contains("add.f32") || s.Contains("add.rn.f32")));
            var k = loops.Where(o => o.Begin <= m.Begin && o.End >= m.End).OrderBy(o => o.Begin).ThenByDescending(o => o.End).First();
            kBarriers = Count(k.Begin, k.End, IsBar);
            nestedBar = loops.Any(o => o != k && o.Begin >= k.Begin && o.End <= k.End && Count(o.Begin, o.End, IsBar) > 0);
        }
        int all(Func<string, bool> p) => Count(0, lines.Length - 1, p);
        return new PtxReport
        {
            LocalBytes = local,
            SharedBytes = shared,
            Fmas = all(IsFma),
            SharedLoads = all(IsLdShared),
            SharedLoadsV4 = all(s => s.Contains("ld.shared.v4")),
            GlobalLoads = all(s => s.Contains("ld.global.")),
            GlobalLoadsV4 = all(s => s.Contains("ld.global.v4") || s.Contains("ld.global.nc.v4")),
            Barriers = all(IsBar),
            LoopDivRem = loopDiv,
            FmaLoopDivRem = fmaLoopDiv,
            MainLoopFmas = mainFmas,
            MainLoopSharedLoads = mainShared,
            MainLoopUnfused = unfused,
            KLoopBarriers = kBarriers,
            NestedBarrier = nestedBar,
        };
    }

    private static int ElementBytes(string type) => type switch
    {
        "b8" or "u8" or "s8" => 1,
        "b16" or "u16" or "s16" or "f16" => 2,
        "b64" or "u64" or "s64" or "f64" => 8,
        _ => 4,
    };

    /// <summary>Compiles one catalogue kernel to PTX for <paramref name="arch"/> (no GPU or driver needed).</summary>
    public static string CompileToPtx(Context context, System.Reflection.MethodInfo method, bool isExplicit, CudaArchitecture arch, CudaInstructionSet isa)
    {
        using var backend = new PTXBackend(context, new CudaCapabilityContext(arch), arch, isa, null);
        var entry = isExplicit ? EntryPointDescription.FromExplicitlyGroupedKernel(method) : EntryPointDescription.FromImplicitlyGroupedKernel(method);
        return ((PTXCompiledKernel)backend.Compile(entry, default)).PTXAssembly;
    }

    /// <summary>The ILGPU context the kernels are compiled in (algorithms enabled, O2: as at run time).</summary>
    public static Context CreateContext() => Context.Create(b => b.EnableAlgorithms().Optimize(OptimizationLevel.O2));

    /// <summary>PTX architecture and ISA for a name such as "sm_90".</summary>
    public static (CudaArchitecture Arch, CudaInstructionSet Isa) ParseArch(string name)
    {
        var m = Regex.Match(name.Trim().ToLowerInvariant(), @"^sm_?(\d)(\d)$");
        if (!m.Success) throw new ArgumentException($"unknown architecture '{name}' (expected sm_XY, e.g. sm_90)");
        var arch = new CudaArchitecture(int.Parse(m.Groups[1].Value), int.Parse(m.Groups[2].Value));
        // The newest ISA ILGPU 1.5.3 knows for the architecture's generation.
        var isa = arch.Major >= 8 ? CudaInstructionSet.ISA_80 : arch.Major == 7 ? CudaInstructionSet.ISA_65 : CudaInstructionSet.ISA_60;
        return (arch, isa);
    }
}
