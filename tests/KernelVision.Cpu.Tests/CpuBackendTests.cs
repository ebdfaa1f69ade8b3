using KernelVision.Backends;
using KernelVision.Cpu.Kernels.Linear;
using KernelVision.Cpu.Tests.Kernels;
using Xunit;

namespace KernelVision.Cpu.Tests;

public class CpuBackendTests
{
    [Fact]
    public void RegistersUnderItsName()
    {
        CpuBackend.Register();
        var backend = Assert.IsType<CpuBackend>(BackendFactory.Create("cpu"));
        Assert.Equal("cpu", backend.Name);
        Assert.Equal(CpuBackend.DefaultThreads, backend.Threads);
    }

    [Fact]
    public void ThreadCountIsValidated()
    {
        Assert.Throws<InputException>(() => new CpuBackend(0));
        Assert.Throws<InputException>(() => CpuBackend.DefaultThreads = 0);
        Assert.Equal(3, new CpuBackend(3).Pool.ThreadCount);
    }

    [Fact]
    public void OpsWithoutACpuKernelGetNoneSoTheSessionFallsBack()
    {
        // Shape has no Cpu kernel: its value is known from shapes and folded before any run.
        var shape = KernelTestUtil.MakeOp("Shape", 1);
        Assert.Null(new CpuBackend(1).CreateKernel(shape));
        Assert.IsType<GemmCpu>(new CpuBackend(1).CreateKernel(KernelTestUtil.MakeOp("Gemm", 2)));
    }
}
