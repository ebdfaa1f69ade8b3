using System.CommandLine;
using System.Text.Json;
using KernelVision.Gpu.Runtime;

namespace KernelVision.Cli.Commands;

/// <summary>
/// <c>kv kernels</c>: compiles every kernel of the Gpu catalogue to PTX (no GPU needed) and reports what
/// decides its speed: local and shared memory, FMAs, shared/global loads and their vector width, FMAs
/// per shared load in the main loop, barriers per K step, integer div/rem in loops. GEMM-engine kernels
/// also get the gate verdict the Gpu tests enforce (PtxGateTests).
/// </summary>
internal static class KernelsCommand
{
    public static Command Create(TextWriter o)
    {
        var arch = new Option<string>("--arch") { Description = "PTX target, e.g. sm_90 or sm_75", DefaultValueFactory = _ => "sm_90" };
        var filter = new Option<string?>("--filter", "-f") { Description = "Only kernels whose name contains this text" };
        var json = new Option<bool>("--json") { Description = "One JSON array instead of the table" };
        var dump = new Option<string?>("--dump") { Description = "Also write each kernel's PTX into this folder" };
        var cmd = new Command("kernels", "PTX report of every Gpu kernel (local/shared memory, FMAs, vector loads, barriers, div/rem in loops)") { arch, filter, json, dump };
        cmd.SetAction(p =>
        {
            (ILGPU.Runtime.Cuda.CudaArchitecture a, ILGPU.Runtime.Cuda.CudaInstructionSet isa) target;
            try { target = PtxReport.ParseArch(p.GetValue(arch)!); }
            catch (ArgumentException e) { throw new KernelVisionException(e.Message); }
            var f = p.GetValue(filter);
            var dir = p.GetValue(dump);
            if (dir is not null) Directory.CreateDirectory(dir);
            using var context = PtxReport.CreateContext();
            var rows = new List<(string Name, bool Gemm, PtxReport R)>();
            foreach (var (name, method, isExplicit) in KernelCatalog.All())
            {
                if (f is not null && !name.Contains(f, StringComparison.OrdinalIgnoreCase)) continue;
                string ptx = PtxReport.CompileToPtx(context, method, isExplicit, target.a, target.isa);
                if (dir is not null) File.WriteAllText(Path.Combine(dir, Sanitise(name) + ".ptx"), ptx);
                rows.Add((name, KernelCatalog.IsGemmEngine(method), PtxReport.Analyse(ptx)));
            }
            int failing = rows.Count(r => r.Gemm && r.R.GemmGateFailures().Count > 0);
            if (p.GetValue(json))
            {
                o.WriteLine(JsonSerializer.Serialize(rows.Select(r => new
                {
                    kernel = r.Name,
                    localBytes = r.R.LocalBytes, sharedBytes = r.R.SharedBytes, fmas = r.R.Fmas, contractibleMulAdds = r.R.MulAdds,
                    sharedLoads = r.R.SharedLoads, sharedLoadsV4 = r.R.SharedLoadsV4,
                    globalLoads = r.R.GlobalLoads, globalLoadsV4 = r.R.GlobalLoadsV4,
                    barriers = r.R.Barriers, loopDivRem = r.R.LoopDivRem, fmaLoopDivRem = r.R.FmaLoopDivRem,
                    mainLoopSharedLoads = r.R.MainLoopSharedLoads,
                    mainLoopMulAdds = r.R.MainLoopFmas, mainLoopUncontractedMuls = r.R.MainLoopUnfused,
                    fmasPerSharedLoad = Math.Round(r.R.FmasPerSharedLoad, 2), kLoopBarriers = r.R.KLoopBarriers,
                    gate = r.Gemm ? (r.R.GemmGateFailures().Count == 0 ? "pass" : string.Join("; ", r.R.GemmGateFailures())) : null,
                }), new JsonSerializerOptions { WriteIndented = true }));
            }
            else
            {
                o.WriteLine($"PTX {p.GetValue(arch)} (ILGPU, no GPU: registers, spills and occupancy need a CUDA device and are not reported)");
                o.WriteLine("fma: fma.rn.f32; mad: mul.f32 feeding add.f32 (ptxas contracts to FFMA by default); loop mad: multiply-adds of either kind in the main loop");
                o.WriteLine($"{"local",6} {"shared",6} {"fma",5} {"mad",5} {"ld.sh",5} {"v4",4} {"ld.gl",5} {"v4",4} {"bar",3} {"div@L",5} {"loop mad",8} {"fma/ld.sh",9} {"bar/K",5}  {"gate",-5} kernel");
                foreach (var (name, gemm, r) in rows)
                {
                    var fails = r.GemmGateFailures();
                    string gate = !gemm ? "-" : fails.Count == 0 ? "pass" : "FAIL";
                    o.WriteLine($"{r.LocalBytes,6} {r.SharedBytes,6} {r.Fmas,5} {r.MulAdds,5} {r.SharedLoads,5} {r.SharedLoadsV4,4} {r.GlobalLoads,5} {r.GlobalLoadsV4,4} {r.Barriers,3} {r.LoopDivRem,5} {r.MainLoopFmas,8} {r.FmasPerSharedLoad,9:F1} {r.KLoopBarriers,5}  {gate,-5} {name}");
                    if (gemm && fails.Count > 0) o.WriteLine($"{"",60}  ({string.Join("; ", fails)})");
                }
                o.WriteLine($"{rows.Count} kernels; GEMM-engine kernels failing the gate: {failing}");
            }
            return 0;
        });
        return cmd;
    }

    private static string Sanitise(string name) => string.Concat(name.Select(c => char.IsLetterOrDigit(c) ? c : '_'));
}
