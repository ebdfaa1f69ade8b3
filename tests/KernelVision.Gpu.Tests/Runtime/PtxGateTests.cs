using KernelVision.Gpu.Device;
using KernelVision.Gpu.Runtime;
using Xunit;

namespace KernelVision.Gpu.Tests.Runtime;

/// <summary>
/// The GEMM engine's PTX gate (what `kv kernels` reports), on sm_90 PTX compiled without a GPU: every
/// register-tiled kernel has no .local memory, no integer div/rem in a loop that multiplies, at least
/// 16 multiply-adds per shared-load instruction in its main loop, and one barrier per K step.
/// </summary>
public class PtxGateTests
{
    public static IEnumerable<object[]> PackedKernels() =>
        KernelCatalog.All().Where(k => k.Method.DeclaringType == typeof(PackedGemm) && KernelCatalog.IsGemmEngine(k.Method)).Select(k => new object[] { k.Name });

    private static PtxReport Report(string name)
    {
        var (_, method, isExplicit) = KernelCatalog.All().Single(k => k.Name == name);
        using var context = PtxReport.CreateContext();
        var (arch, isa) = PtxReport.ParseArch("sm_90");
        return PtxReport.Analyse(PtxReport.CompileToPtx(context, method, isExplicit, arch, isa));
    }

    [Theory]
    [MemberData(nameof(PackedKernels))]
    public void PackedKernelPassesGate(string name)
    {
        var r = Report(name);
        Assert.Empty(r.GemmGateFailures());
        // Vector loads: A from shared and global memory as 16-byte vectors, B from shared memory.
        Assert.True(r.SharedLoadsV4 == r.SharedLoads && r.SharedLoads > 0, $"{r.SharedLoadsV4} of {r.SharedLoads} shared loads are v4");
        Assert.True(r.GlobalLoadsV4 >= 2, $"{r.GlobalLoadsV4} ld.global.v4");
    }

    [Fact]
    public void CatalogHasEveryPackedTileForEveryProblem() =>
        Assert.Equal(PackedGemm.Tiles.Length * 4, PackedKernels().Count());

    [Fact]
    public void AnalyserReadsHandWrittenPtx()
    {
        const string ptx = """
            .visible .entry k(
            )
            {
            	.local .align 4 .b8 __local_depot0[32];
            	.shared .align 16 .b8 s[4096];
            	mov.b32 %r1, 0;
            L_1:
            	setp.ge.s32 %p1, %r1, 8;
            	@%p1 bra L_3;
            	div.s32 %r2, %r1, %r3;
            	ld.shared.v4.f32 {%f1, %f2, %f3, %f4}, [%rd1];
            	mul.f32 %f5, %f1, %f2;
            	add.f32 %f6, %f7, %f5;
            	fma.rn.f32 %f8, %f1, %f3, %f8;
            	bar.sync 0;
            	bra.uni L_1;
            L_3:
            	ret;
            }
            """;
        var r = PtxReport.Analyse(ptx);
        Assert.Equal(32, r.LocalBytes);
        Assert.Equal(4096, r.SharedBytes);
        Assert.Equal(1, r.Fmas);
        Assert.Equal(1, r.MulAdds);
        Assert.Equal(2, r.MainLoopFmas);
        Assert.Equal(1, r.MainLoopSharedLoads);
        Assert.Equal(1, r.FmaLoopDivRem);
        Assert.Equal(1, r.KLoopBarriers);
        Assert.Equal(1, r.SharedLoadsV4);
        // The gate names each violation: .local memory, a division in the loop, 2 multiply-adds per shared load.
        var failures = r.GemmGateFailures();
        Assert.Equal(3, failures.Count);
        Assert.Contains(failures, f => f.Contains(".local"));
        Assert.Contains(failures, f => f.Contains("div/rem"));
        Assert.Contains(failures, f => f.Contains("per shared load"));
    }

    [Fact]
    public void AnalyserSeesNestedBarriersAndOutOfOrderLoops()
    {
        // ILGPU places an if-body after the loop and branches back into it: that backward branch is no
        // loop of its own. The k-loop has a nested loop with a barrier: two barriers per K step.
        const string ptx = """
            .visible .entry k(
            )
            {
            	mov.b32 %r1, 0;
            L_1:
            	@%p1 bra L_9;
            	@%p2 bra L_5;
            L_2:
            	ld.shared.v4.f32 {%f1, %f2, %f3, %f4}, [%rd1];
            	fma.rn.f32 %f8, %f1, %f3, %f8;
            	@%p3 bra L_2;
            L_3:
            	bar.sync 0;
            	@%p4 bra L_3;
            	bra.uni L_1;
            L_5:
            	div.s32 %r2, %r1, %r3;
            	bra.uni L_2;
            L_9:
            	ret;
            }
            """;
        var r = PtxReport.Analyse(ptx);
        Assert.Equal(1, r.MainLoopFmas);
        Assert.Equal(1, r.KLoopBarriers);
        Assert.True(r.NestedBarrier);
        Assert.Equal(1, r.FmaLoopDivRem);   // L_5 belongs to the k-loop (it returns into it), not to a loop of its own
        Assert.Contains(r.GemmGateFailures(), f => f.Contains("nested"));
    }
}
