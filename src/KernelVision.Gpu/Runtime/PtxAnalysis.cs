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
/// barriers, and integer divisions inside loops. Loops are the natural loops of the entry's control-flow
/// graph (back edges to a dominating block: ILGPU lays blocks out of order, so a backward branch alone
/// is no loop); the "main loop" is the innermost loop with the most multiply-adds, and the "K loop" the
/// outermost loop that contains it.
/// </summary>
public sealed record PtxReport
{
    /// <summary>Bytes of .local memory declared (the register tile spilled to memory when not 0).</summary>
    public int LocalBytes { get; init; }
    /// <summary>Bytes of .shared memory declared.</summary>
    public int SharedBytes { get; init; }
    /// <summary>fma.rn.f32 instructions in the whole entry.</summary>
    public int Fmas { get; init; }
    /// <summary>add.f32 fed by a mul.f32, both without rounding modifier: contracted to FFMA by ptxas by default.</summary>
    public int MulAdds { get; init; }
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
    /// <summary>Integer div/rem instructions inside loops that also contain multiply-adds.</summary>
    public int FmaLoopDivRem { get; init; }
    /// <summary>Multiply-adds (fma.rn.f32 or contractible mul.f32→add.f32) in the main loop: the innermost loop with the most.</summary>
    public int MainLoopFmas { get; init; }
    /// <summary>ld.shared instructions in the main loop.</summary>
    public int MainLoopSharedLoads { get; init; }
    /// <summary>mul.f32 in the main loop that feed no add.f32 (not contractible).</summary>
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
        if (MainLoopFmas == 0) f.Add("no multiply-add in any loop");
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
        foreach (var line in lines)
        {
            var d = Decl.Match(line);
            if (!d.Success) continue;
            int elem = ElementBytes(d.Groups[2].Value);
            int count = d.Groups[3].Success ? int.Parse(d.Groups[3].Value) : 1;
            if (d.Groups[1].Value == "local") local += elem * count; else shared += elem * count;
        }
        var cfg = Cfg.Build(lines);
        var loops = cfg.NaturalLoops();
        int Count(IEnumerable<int> blocks, Func<string, bool> pred) => blocks.Sum(b => cfg.Lines(b).Count(pred));
        var contractible = ContractibleAdds(lines);
        bool IsMulAdd(string s) => IsFma(s) || contractible.Contains(s);

        var mulLoops = loops.Where(l => Count(l, IsMulAdd) > 0).ToList();
        var inMulLoop = mulLoops.SelectMany(l => l).ToHashSet();
        var inLoop = loops.SelectMany(l => l).ToHashSet();
        // Main loop: a loop with multiply-adds containing no other such loop; the one with the most.
        HashSet<int>? main = mulLoops.Where(l => !mulLoops.Any(o => o != l && o.Count < l.Count && o.IsSubsetOf(l)))
            .OrderByDescending(l => Count(l, IsMulAdd)).FirstOrDefault();
        int mainFmas = 0, mainShared = 0, unfused = 0, kBarriers = 0;
        bool nestedBar = false;
        if (main is not null)
        {
            mainFmas = Count(main, IsMulAdd);
            mainShared = Count(main, IsLdShared);
            unfused = Math.Max(0, Count(main, IsPlainMul) - Count(main, s => contractible.Contains(s)));
            var k = loops.Where(l => main.IsSubsetOf(l)).OrderByDescending(l => l.Count).First();
            kBarriers = Count(k, IsBar);
            nestedBar = loops.Any(o => o != k && o.IsSubsetOf(k) && Count(o, IsBar) > 0);
        }
        int All(Func<string, bool> p) => lines.Count(p);
        return new PtxReport
        {
            LocalBytes = local,
            SharedBytes = shared,
            Fmas = All(IsFma),
            MulAdds = contractible.Count,
            SharedLoads = All(IsLdShared),
            SharedLoadsV4 = All(s => s.Contains("ld.shared.v4")),
            GlobalLoads = All(s => s.Contains("ld.global.")),
            GlobalLoadsV4 = All(s => s.Contains("ld.global.v4") || s.Contains("ld.global.nc.v4")),
            Barriers = All(IsBar),
            LoopDivRem = Count(inLoop, IsDiv),
            FmaLoopDivRem = Count(inMulLoop, IsDiv),
            MainLoopFmas = mainFmas,
            MainLoopSharedLoads = mainShared,
            MainLoopUnfused = unfused,
            KLoopBarriers = kBarriers,
            NestedBarrier = nestedBar,
        };
    }

    private static bool IsFma(string s) => s.Contains("fma.rn.f32");
    private static bool IsPlainMul(string s) => s.Contains("mul.f32") || s.Contains("mul.rn.f32");
    private static bool IsMul(string s) => IsFma(s) || IsPlainMul(s);
    private static bool IsLdShared(string s) => s.Contains("ld.shared.");
    private static bool IsBar(string s) => s.Contains("bar.sync") || s.Contains("barrier.sync");
    private static bool IsDiv(string s) => DivRem.IsMatch(s);

    private static readonly Regex MulDef = new(@"^\s*mul\.f32\s+(%f\d+)\s*,", RegexOptions.Compiled);
    private static readonly Regex AddUse = new(@"^\s*add\.f32\s+%f\d+\s*,\s*(%f\d+)\s*,\s*(%f\d+)\s*;", RegexOptions.Compiled);

    /// <summary>
    /// The add.f32 lines (no rounding modifier) fed by a mul.f32 (no rounding modifier): the PTX ISA
    /// lets ptxas contract such a pair into one fused multiply-add, and it does by default (--fmad=true).
    /// Returned as line texts, which are unique in ILGPU's output (every result gets a fresh register).
    /// </summary>
    private static HashSet<string> ContractibleAdds(string[] lines)
    {
        var products = new HashSet<string>();
        foreach (var l in lines) { var m = MulDef.Match(l); if (m.Success) products.Add(m.Groups[1].Value); }
        var adds = new HashSet<string>();
        foreach (var l in lines)
        {
            var a = AddUse.Match(l);
            if (a.Success && (products.Contains(a.Groups[1].Value) || products.Contains(a.Groups[2].Value))) adds.Add(l);
        }
        return adds;
    }

    /// <summary>Basic blocks of one PTX entry and their successors (labels and bra split blocks).</summary>
    private sealed class Cfg
    {
        private readonly string[] _lines;
        private readonly List<(int From, int To)> _blocks = [];
        private readonly List<List<int>> _succ = [];

        private Cfg(string[] lines) => _lines = lines;

        public IEnumerable<string> Lines(int b) { for (int i = _blocks[b].From; i <= _blocks[b].To; i++) yield return _lines[i]; }

        public static Cfg Build(string[] lines)
        {
            var g = new Cfg(lines);
            int begin = Array.FindIndex(lines, l => l.Contains(".entry"));
            if (begin < 0) begin = 0;
            var labelBlock = new Dictionary<string, int>();
            int start = -1;
            for (int i = begin; i < lines.Length; i++)
            {
                var l = Label.Match(lines[i]);
                bool isLabel = l.Success && !lines[i].TrimStart().StartsWith('.') && !lines[i].Contains(".entry");
                if (isLabel)
                {
                    if (start >= 0 && start < i) g._blocks.Add((start, i - 1));
                    start = i;
                    labelBlock[l.Groups[1].Value] = g._blocks.Count;
                }
                else if (start < 0) start = i;
                if (Branch.IsMatch(lines[i]) || Regex.IsMatch(lines[i], @"^\s*(?:@!?%\w+\s+)?(ret|exit)\s*;"))
                {
                    g._blocks.Add((start, i));
                    start = i + 1;
                }
            }
            if (start >= 0 && start < lines.Length) g._blocks.Add((start, lines.Length - 1));
            for (int b = 0; b < g._blocks.Count; b++)
            {
                var succ = new List<int>();
                string last = lines[g._blocks[b].To];
                var br = Branch.Match(last);
                bool conditional = Regex.IsMatch(last, @"^\s*@");
                bool ends = Regex.IsMatch(last, @"^\s*(ret|exit)\s*;");
                if (br.Success && labelBlock.TryGetValue(br.Groups[1].Value, out int t)) succ.Add(t);
                if ((!br.Success || conditional) && !ends && b + 1 < g._blocks.Count) succ.Add(b + 1);
                g._succ.Add(succ);
            }
            return g;
        }

        /// <summary>Natural loops (one per header: the union of its back edges' loops), as block sets.</summary>
        public List<HashSet<int>> NaturalLoops()
        {
            int n = _blocks.Count;
            var preds = Enumerable.Range(0, n).Select(_ => new List<int>()).ToList();
            // Only reachable predecessors count: a blank line between a branch and the next label forms
            // an unreachable block, which would otherwise empty the dominator sets below it.
            var reachable = new bool[n];
            var work = new Stack<int>();
            if (n > 0) { reachable[0] = true; work.Push(0); }
            while (work.Count > 0)
                foreach (int s in _succ[work.Pop()])
                    if (!reachable[s]) { reachable[s] = true; work.Push(s); }
            for (int b = 0; b < n; b++) if (reachable[b]) foreach (int s in _succ[b]) preds[s].Add(b);
            // Dominators by the iterative data-flow algorithm over reachable blocks.
            var dom = new System.Collections.BitArray[n];
            var all = new System.Collections.BitArray(n, true);
            for (int b = 0; b < n; b++) dom[b] = b == 0 ? new System.Collections.BitArray(n) { [0] = true } : (System.Collections.BitArray)all.Clone();
            bool changed = true;
            while (changed)
            {
                changed = false;
                for (int b = 1; b < n; b++)
                {
                    var nd = (System.Collections.BitArray)all.Clone();
                    bool any = false;
                    foreach (int p in preds[b]) { nd.And(dom[p]); any = true; }
                    if (!any) nd.SetAll(false);
                    nd[b] = true;
                    for (int i = 0; i < n; i++) if (nd[i] != dom[b][i]) { dom[b] = nd; changed = true; break; }
                }
            }
            var loops = new Dictionary<int, HashSet<int>>();
            for (int u = 0; u < n; u++)
                foreach (int h in reachable[u] ? _succ[u] : [])
                {
                    if (!dom[u][h]) continue;
                    if (!loops.TryGetValue(h, out var body)) loops[h] = body = [h];
                    var stack = new Stack<int>();
                    if (body.Add(u)) stack.Push(u);
                    while (stack.Count > 0)
                        foreach (int p in preds[stack.Pop()])
                            if (body.Add(p)) stack.Push(p);
                }
            return loops.Values.ToList();
        }
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
