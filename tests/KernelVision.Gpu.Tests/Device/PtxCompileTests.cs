using ILGPU;
using ILGPU.Backends.EntryPoints;
using ILGPU.Backends.PTX;
using ILGPU.Runtime.Cuda;
using KernelVision.Gpu.Device;
using KernelVision.Gpu.Runtime;
using Xunit;

namespace KernelVision.Gpu.Tests.Device;

/// <summary>
/// Every device kernel compiles to PTX without a GPU or driver, so CUDA code-generation failures
/// (unsupported intrinsics, shared-memory sizes that are not constants) surface in CI.
/// </summary>
public class PtxCompileTests
{
    public static IEnumerable<object[]> Kernels() => KernelCatalog.All().Select(k => new object[] { k.Name });

    [Theory]
    [MemberData(nameof(Kernels))]
    public void CompilesToPtx(string name)
    {
        var (_, method, isExplicit) = KernelCatalog.All().Single(k => k.Name == name);
        using var context = Context.Create(b => b.EnableAlgorithms().Optimize(OptimizationLevel.O2));
        foreach (var (arch, isa) in new[] { (CudaArchitecture.SM_90, CudaInstructionSet.ISA_80), (CudaArchitecture.SM_75, CudaInstructionSet.ISA_65) })
        {
            using var backend = new PTXBackend(context, new CudaCapabilityContext(arch), arch, isa, null);
            var entry = isExplicit ? EntryPointDescription.FromExplicitlyGroupedKernel(method) : EntryPointDescription.FromImplicitlyGroupedKernel(method);
            var compiled = (PTXCompiledKernel)backend.Compile(entry, default);
            Assert.Contains(".entry", compiled.PTXAssembly);
        }
    }

    [Fact]
    public void CatalogCoversEveryKernelMethod()
    {
        var listed = KernelCatalog.All().Select(k => k.Method.IsGenericMethod ? k.Method.GetGenericMethodDefinition() : k.Method).ToHashSet();
        var all = typeof(KernelCatalog).Assembly.GetTypes()
            .Where(t => t.Namespace == "KernelVision.Gpu.Device")
            .SelectMany(t => t.GetMethods(System.Reflection.BindingFlags.Public | System.Reflection.BindingFlags.Static))
            .Where(m => m.ReturnType == typeof(void) && m.DeclaringType!.Name.EndsWith("Kernels") || m.DeclaringType == typeof(GemmEngine) || m.DeclaringType == typeof(PackedGemm))
            .ToList();
        Assert.NotEmpty(all);
        foreach (var m in all) Assert.Contains(m, listed);
    }
}
