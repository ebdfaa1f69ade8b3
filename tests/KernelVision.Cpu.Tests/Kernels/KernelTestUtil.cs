using KernelVision.Backends;
using KernelVision.Backends.Reference;
using KernelVision.Execution;
using KernelVision.Graph;
using KernelVision.Ops;
using KernelVision.Tensors;
using Xunit;

namespace KernelVision.Cpu.Tests.Kernels;

/// <summary>Runs one op on the Cpu and Reference backends and compares them.</summary>
internal static class KernelTestUtil
{
    public static readonly CpuBackend CpuTwoThreads = new(2);

    public static Op MakeOp(string opType, int inputs, IEnumerable<Graph.Attribute>? attributes = null, int opset = 13)
    {
        var node = new Node
        {
            Name = opType.ToLowerInvariant() + "_test",
            OpType = opType,
            Inputs = Enumerable.Range(0, inputs).Select(i => $"in{i}").ToList(),
            Outputs = ["out0"],
            Attributes = new AttributeSet(attributes ?? [], opType),
        };
        return OpRegistry.Create(node, opset);
    }

    public static Tensor RandomFloats(Random rng, params int[] shape)
    {
        var t = Tensor.Zeros(DataType.Float32, shape);
        var f = t.Floats;
        for (int i = 0; i < f.Length; i++) f[i] = (float)(rng.NextDouble() * 2 - 1);
        return t;
    }

    /// <summary>Runs <paramref name="op"/> with <paramref name="kernel"/> into a NaN-filled output (kernels must write every element).</summary>
    public static Tensor Run(Op op, IKernel kernel, IReadOnlyList<Tensor?> inputs)
    {
        var infos = inputs.Select(t => t is null ? null : TensorInfo.Of(t)).ToArray();
        var info = op.InferOutputs(infos)[0];
        var y = Tensor.Zeros(info.Type, info.Shape);
        if (y.Type == DataType.Float32) y.Floats.Fill(float.NaN);
        kernel.Run(inputs, [y]);
        return y;
    }

    /// <summary>Cpu vs Reference: max|err| ≤ 1e-4·max(1, max|reference|), the backend acceptance bound.</summary>
    public static void AssertMatchesReference(Op op, IReadOnlyList<Tensor?> inputs, IKernel? cpuKernel = null, string what = "")
    {
        var cpu = cpuKernel ?? CpuTwoThreads.CreateKernel(op) ?? throw new InvalidOperationException($"no cpu kernel for {op.GetType().Name}");
        var want = Run(op, ReferenceBackend.Instance.CreateKernel(op)!, inputs);
        var got = Run(op, cpu, inputs);
        Assert.Equal(want.Shape, got.Shape);
        double max = 1;
        for (int i = 0; i < want.Length; i++) max = Math.Max(max, Math.Abs(want.GetDouble(i)));
        for (int i = 0; i < want.Length; i++)
        {
            double e = want.GetDouble(i), a = got.GetDouble(i);
            if (!(Math.Abs(a - e) <= 1e-4 * max))
                Assert.Fail($"{what}: element {i} of {ShapeUtil.Format(want.Shape)}: reference {e:G9}, cpu {a:G9}");
        }
    }
}
