using ILGPU.Runtime.CPU;
using KernelVision.Execution;
using KernelVision.Gpu.Runtime;
using KernelVision.Tensors;
using Xunit;

namespace KernelVision.Gpu.Tests;

/// <summary>Runs one op on Reference and on the simulated GPU and compares every output.</summary>
internal static class GpuCheck
{
    /// <summary>The default simulator (warp 4, 16-thread groups: the small tile configuration).</summary>
    public static GpuDevice Sim => GpuDevice.Simulator;

    private static readonly Lazy<GpuDevice> Wide = new(() => GpuDevice.OpenSimulator(new CPUDevice(32, 8, 1)));

    /// <summary>A simulator shaped like an NVIDIA GPU (warp 32, 256-thread groups): runs the GPU tile configurations.</summary>
    public static GpuDevice Sim256 => Wide.Value;

    private static readonly Lazy<GpuDevice> Small = new(() =>
    {
        var d = GpuDevice.OpenSimulator();
        d.Tiles = d.Tiles with { GemmTiles = [GemmTile.Small16] };
        return d;
    });

    /// <summary>The default simulator forced onto the 16×16 GEMM tile that small-group GPUs use (the simulator itself takes the 64×64 one).</summary>
    public static GpuDevice Sim16Tile => Small.Value;

    public static Tensor Random(int seed, params int[] shape)
    {
        var rng = new Random(seed);
        var t = Tensor.Zeros(DataType.Float32, shape);
        var f = t.Floats;
        for (int i = 0; i < f.Length; i++) f[i] = (float)(rng.NextDouble() * 2 - 1);
        return t;
    }

    public static Tensor Positive(int seed, params int[] shape)
    {
        var t = Random(seed, shape);
        var f = t.Floats;
        for (int i = 0; i < f.Length; i++) f[i] = Math.Abs(f[i]) + 0.1f;
        return t;
    }

    /// <summary>Asserts gpu-sim (on <paramref name="device"/>) matches Reference on every output.</summary>
    public static Tensor?[] Same(string opType, IReadOnlyList<Tensor?> inputs, IEnumerable<Graph.Attribute>? attributes = null,
        int outputs = 1, int opset = 22, GpuDevice? device = null, double tol = 1e-4)
    {
        var attrs = attributes?.ToList();
        var expected = OpEvaluator.Run(opType, inputs, attrs, outputs, opset);
        var backend = new GpuBackend(device ?? Sim, "gpu-sim");
        var actual = OpEvaluator.Run(opType, inputs, attrs, outputs, opset, backend);
        for (int i = 0; i < expected.Length; i++)
        {
            if (expected[i] is null) { Assert.Null(actual[i]); continue; }
            Close(expected[i]!, actual[i]!, tol, $"{opType} output {i}");
        }
        return actual;
    }

    /// <summary>max|a−e| ≤ tol·max(1, max|e|).</summary>
    public static void Close(Tensor expected, Tensor actual, double tol, string what)
    {
        Assert.Equal(expected.Shape, actual.Shape);
        Assert.Equal(expected.Type, actual.Type);
        double scale = 1, worst = 0;
        int at = -1;
        for (int i = 0; i < expected.Length; i++) scale = Math.Max(scale, Math.Abs(expected.GetDouble(i)));
        for (int i = 0; i < expected.Length; i++)
        {
            double e = expected.GetDouble(i), a = actual.GetDouble(i);
            if (double.IsNaN(e) && double.IsNaN(a)) continue;
            double d = Math.Abs(e - a);
            if (double.IsNaN(d) || d > worst) { worst = double.IsNaN(d) ? double.PositiveInfinity : d; at = i; }
        }
        Assert.True(worst <= tol * scale, $"{what}: max error {worst:G4} at {at} (expected {(at >= 0 ? expected.GetDouble(at) : 0):G6}, got {(at >= 0 ? actual.GetDouble(at) : 0):G6}), allowed {tol * scale:G4}");
    }
}
