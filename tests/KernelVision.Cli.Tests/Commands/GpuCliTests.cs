using System.Text.Json;
using KernelVision.Gpu.Runtime;
using KernelVision.TestSupport;
using Xunit;

namespace KernelVision.Cli.Tests.Commands;

/// <summary>kv devices, kv verify, kv kernels, and the gpu backend's error when no GPU exists.</summary>
public class GpuCliTests
{
    private static (int Code, string Out, string Err) Kv(params string[] args) => KvRunner.Run(args);

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
        string dir = Path.Combine(ConformanceData.Root, "onnx-node", "test_convtranspose_pads");
        var (code, output, err) = Kv("verify", Path.Combine(dir, "model.onnx"), "--backends", "gpu-sim",
            "-i", Path.Combine(dir, "test_data_set_0", "input_0.pb"), "-i", Path.Combine(dir, "test_data_set_0", "input_1.pb"));
        Assert.True(code == 0, output + err);
        Assert.Contains("err gpu-sim", output);
        Assert.Contains("ConvTranspose", output);
        Assert.Contains("agree within", output);
    }

    [Fact]
    public void KernelsReportsTheGate()
    {
        var (code, output, err) = Kv("kernels", "--filter", "Gemm32x32", "--json");
        Assert.True(code == 0, output + err);
        using var doc = JsonDocument.Parse(output);
        var rows = doc.RootElement.EnumerateArray().ToList();
        Assert.Equal(4, rows.Count); // Conv, ConvPhase, Dense, MatMul
        foreach (var r in rows)
        {
            Assert.Equal("pass", r.GetProperty("gate").GetString());
            Assert.Equal(0, r.GetProperty("localBytes").GetInt32());
            Assert.True(r.GetProperty("fmasPerSharedLoad").GetDouble() >= 16);
        }
        var (tableCode, table, _) = Kv("kernels", "--filter", "Softmax", "--arch", "sm_75");
        Assert.Equal(0, tableCode);
        Assert.Contains("Softmax", table);
        Assert.Contains("1 kernels; GEMM-engine kernels failing the gate: 0", table);
        Assert.Equal(2, Kv("kernels", "--arch", "sm_9").Code);
    }

    [Fact]
    public void GpuWithoutHardwareFailsClearly()
    {
        if (GpuDevice.Enumerate().Any(d => d.Usable)) return; // a real GPU: nothing to check here
        // A model that loads (the vendored test_relu), so the GPU's absence is the only thing wrong.
        string model = Path.Combine(ConformanceData.Root, "onnx-node", "test_relu", "model.onnx");
        var (code, _, err) = Kv("run", model, "--backend", "gpu");
        Assert.Equal(2, code);
        Assert.Contains("no GPU accelerator found", err);
    }
}
