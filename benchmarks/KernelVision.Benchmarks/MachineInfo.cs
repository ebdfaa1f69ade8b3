using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using KernelVision.Cpu.Diagnostics;
using KernelVision.Cpu.Gemm;

namespace KernelVision.Benchmarks;

/// <summary>One line describing the machine, printed above every table so results carry their context.</summary>
internal static class MachineInfo
{
    public static string Describe()
    {
        string cpu = MachineIdentity.CpuModel();
        var isa = new List<string>();
        if (Avx512F.IsSupported) isa.Add("avx512f");
        if (Avx2.IsSupported) isa.Add("avx2");
        if (Fma.IsSupported) isa.Add("fma");
        if (System.Runtime.Intrinsics.Arm.AdvSimd.IsSupported) isa.Add("advsimd");
        return $"{cpu}, {Environment.ProcessorCount} logical cores, {string.Join("+", isa)}, " +
               $"Vector512 {(Vector512.IsHardwareAccelerated ? "on" : "off")}, {RuntimeInformation.FrameworkDescription}, GEMM kernel {GemmKernel.Best}";
    }
}
