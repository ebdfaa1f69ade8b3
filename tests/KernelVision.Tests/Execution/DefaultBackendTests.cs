using Google.Protobuf;
using KernelVision.Backends;
using KernelVision.Backends.Reference;
using KernelVision.Execution;
using Xunit;

namespace KernelVision.Tests.Execution;

/// <summary>
/// cpu is the default backend with no registration call: this test assembly deploys
/// KernelVision.Cpu.dll (through its project reference) and never calls CpuBackend.Register.
/// </summary>
public class DefaultBackendTests
{
    [Fact]
    public void SessionOptionsDefaultToCpu()
    {
        Assert.Equal("cpu", BackendFactory.DefaultName);
        Assert.Equal("cpu", new SessionOptions().Backend.Name);
    }

    [Fact]
    public void NamedBackendIsKeptAndDefaultIsNotCreated()
    {
        var options = new SessionOptions { Backend = ReferenceBackend.Instance };
        Assert.Same(ReferenceBackend.Instance, options.Backend);
        Assert.Equal("reference", (options with { Optimize = false }).Backend.Name);
    }

    [Fact]
    public void AutoPicksGpuOnlyWhenPresentElseCpu()
    {
        string auto = BackendFactory.ResolveAuto();
        Assert.Contains(auto, new[] { "gpu", "cpu" });
        if (auto == "cpu") Assert.Equal("cpu", BackendFactory.Create("auto").Name);
    }

    [Fact]
    public void UnknownBackendIsAnInputErrorNamingTheChoices()
    {
        var e = Assert.Throws<InputException>(() => BackendFactory.Create("tpu"));
        Assert.Contains("'tpu'", e.Message);
        Assert.Contains("auto", e.Message);
    }

    [Fact]
    public void LoadWithoutOptionsRunsOnCpu()
    {
        var path = Path.Combine(Path.GetTempPath(), $"kv-default-{Guid.NewGuid():N}.onnx");
        File.WriteAllBytes(path, KernelVision.Tests.Onnx.LoaderTests.ReluModel().ToByteArray());
        try
        {
            using var s = InferenceSession.Load(path);
            Assert.Equal("cpu", s.Options.Backend.Name);
        }
        finally { File.Delete(path); }
    }
}
