using KernelVision.Backends.Reference;
using KernelVision.Graph;
using KernelVision.Ops;
using KernelVision.Tensors;
using Xunit;

namespace KernelVision.Tests.Ops.Layout;

/// <summary>Builders and checks shared by the layout op tests.</summary>
internal static class LayoutTestUtil
{
    /// <summary>Float tensor holding 0, 1, 2, ... in row-major order.</summary>
    public static Tensor Iota(params int[] shape)
    {
        int n = ShapeUtil.Size(shape);
        return Tensor.FromFloats(shape, Enumerable.Range(0, n).Select(i => (float)i).ToArray());
    }

    /// <summary>Int64 tensor of <paramref name="shape"/>.</summary>
    public static Tensor Longs(int[] shape, params long[] v) => Tensor.FromInt64s(shape, v);

    /// <summary>Asserts an integer tensor's type, shape and values.</summary>
    public static void Ints(DataType type, int[] shape, long[] expected, Tensor? actual)
    {
        Assert.NotNull(actual);
        Assert.Equal(type, actual!.Type);
        Assert.Equal(shape, actual.Shape);
        Assert.Equal(expected, actual.Int64s.ToArray());
    }

    /// <summary>Creates the op for a one-node graph with <paramref name="inputs"/> inputs (for calling InferOutputs directly).</summary>
    public static Op Make(string opType, int inputs, IEnumerable<Graph.Attribute>? attributes = null, int outputs = 1, int opset = 22)
    {
        var node = new Node
        {
            Name = opType.ToLowerInvariant() + "_test",
            OpType = opType,
            Inputs = Enumerable.Range(0, inputs).Select(i => $"in{i}").ToList(),
            Outputs = Enumerable.Range(0, outputs).Select(i => $"out{i}").ToList(),
            Attributes = new AttributeSet(attributes ?? [], opType),
        };
        return OpRegistry.Create(node, opset);
    }

    /// <summary>Runs the reference kernel of <paramref name="op"/> directly, skipping shape inference's checks.</summary>
    public static void RunKernel(Op op, Tensor?[] inputs, Tensor?[] outputs) =>
        ReferenceBackend.Instance.CreateKernel(op)!.Run(inputs, outputs);
}
