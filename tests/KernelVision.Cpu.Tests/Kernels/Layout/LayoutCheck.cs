using KernelVision.Execution;
using KernelVision.Tensors;
using static KernelVision.Cpu.Tests.CpuVsReference;
using OnnxAttribute = KernelVision.Graph.Attribute;

namespace KernelVision.Cpu.Tests.Kernels.Layout;

/// <summary>Data movement: the Cpu kernels must reproduce the Reference bit for bit, for every storage type.</summary>
internal static class LayoutCheck
{
    public static Tensor Bools(Random rng, int[] shape)
    {
        var t = Tensor.Zeros(DataType.Bool, shape);
        for (int i = 0; i < t.Length; i++) t.Bools[i] = rng.Next(2) == 1;
        return t;
    }

    public static Tensor Doubles(Random rng, int[] shape)
    {
        var t = Tensor.Zeros(DataType.Float64, shape);
        for (int i = 0; i < t.Length; i++) t.Doubles[i] = rng.NextDouble() - 0.5;
        return t;
    }

    /// <summary>The same shape in every storage type (float32 also at a size that is split across threads).</summary>
    public static IEnumerable<Tensor> AllTypes(Random rng, int[] shape)
    {
        yield return Random(rng, shape);
        yield return RandomInts(rng, DataType.Int64, shape, -1000, 1000);
        yield return Bools(rng, shape);
        yield return Doubles(rng, shape);
    }

    public static void Exact(string op, IReadOnlyList<Tensor?> inputs, IEnumerable<OnnxAttribute>? attrs = null, int outputs = 1, int opset = 22) =>
        Check(op, inputs, attrs, outputs, opset, exact: true);

    public static Tensor BoolScalar(bool v)
    {
        var t = Tensor.Zeros(DataType.Bool, []);
        t.Bools[0] = v;
        return t;
    }

    /// <summary>Runs an op on the Cpu backend only (for error cases).</summary>
    public static Tensor?[] RunCpu(string op, IReadOnlyList<Tensor?> inputs, IEnumerable<OnnxAttribute>? attrs = null, int opset = 22) =>
        OpEvaluator.Run(op, inputs, attrs, 1, opset, Threaded);
}
