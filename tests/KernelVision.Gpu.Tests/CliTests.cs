using Xunit;

namespace KernelVision.Gpu.Tests;

/// <summary>kv devices, kv verify, and the gpu backend's error when no GPU exists.</summary>
public class CliTests
{
    private static (int Code, string Out, string Err) Kv(params string[] args)
    {
        var o = new StringWriter();
        var e = new StringWriter();
        int code = KernelVision.Cli.Program.Run(args, o, e);
        return (code, o.ToString(), e.ToString());
    }

    [Fact]
    public void DevicesListsTheSimulator()
    {
        var (code, output, _) = Kv("devices");
        Assert.Equal(0, code);
        Assert.Contains("CPU", output);
        Assert.Contains("warp", output);
        Assert.Contains("gpu-sim", output);
    }

    [Fact]
    public void VerifyComparesEveryLayer()
    {
        if (ConformanceTests.Root is null) return; // corpus absent
        string dir = Path.Combine(ConformanceTests.Root, "onnx-node", "test_convtranspose_pads");
        var (code, output, err) = Kv("verify", Path.Combine(dir, "model.onnx"), "--backends", "gpu-sim",
            "-i", Path.Combine(dir, "test_data_set_0", "input_0.pb"), "-i", Path.Combine(dir, "test_data_set_0", "input_1.pb"));
        Assert.True(code == 0, output + err);
        Assert.Contains("err gpu-sim", output);
        Assert.Contains("ConvTranspose", output);
        Assert.Contains("agree within", output);
    }

    [Fact]
    public void GpuWithoutHardwareFailsClearly()
    {
        if (KernelVision.Gpu.Runtime.GpuDevice.Enumerate().Any(d => d.Usable)) return; // a real GPU: nothing to check here
        var (code, _, err) = Kv("run", "missing.onnx", "--backend", "gpu");
        Assert.Equal(2, code);
        Assert.Contains("no GPU accelerator found", err);
    }
}
