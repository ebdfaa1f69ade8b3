using KernelVision.Backends;
using KernelVision.Backends.Reference;
using KernelVision.Graph;
using KernelVision.Ops;
using KernelVision.Tensors;

namespace KernelVision.Execution;

/// <summary>Runs a single op outside a session: infer output shapes, allocate, run one kernel.</summary>
public static class OpEvaluator
{
    /// <summary>Evaluates <paramref name="op"/> on <paramref name="inputs"/> with <paramref name="backend"/>.</summary>
    public static Tensor?[] Evaluate(Op op, IBackend backend, IReadOnlyList<Tensor?> inputs)
    {
        if (backend is ReferenceBackend) return ReferenceEvaluator.Evaluate(op, inputs);
        var kernel = backend.CreateKernel(op)
            ?? throw new UnsupportedException($"{op.Node.DisplayName}: no {backend.Name} kernel");
        var outputs = ReferenceEvaluator.AllocateOutputs(op, op.InferOutputs(TensorInfo.Of(inputs)));
        kernel.Run(inputs, outputs);
        return outputs;
    }

    /// <summary>
    /// Builds a one-node graph from parts and evaluates it on the reference backend: the quickest way
    /// for a test to run an op. Inputs named "" are omitted optional inputs.
    /// </summary>
    public static Tensor?[] Run(string opType, IReadOnlyList<Tensor?> inputs, IEnumerable<Graph.Attribute>? attributes = null,
        int outputs = 1, int opset = 22, IBackend? backend = null)
    {
        var node = new Node
        {
            Name = opType.ToLowerInvariant() + "_test",
            OpType = opType,
            Inputs = inputs.Select((t, i) => t is null ? "" : $"in{i}").ToList(),
            Outputs = Enumerable.Range(0, outputs).Select(i => $"out{i}").ToList(),
            Attributes = new AttributeSet(attributes ?? [], opType),
        };
        var op = OpRegistry.Create(node, opset);
        return Evaluate(op, backend ?? ReferenceBackend.Instance, inputs);
    }
}
