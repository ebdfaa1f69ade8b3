using KernelVision.Ops;
using KernelVision.Tensors;

namespace KernelVision.Backends.Reference;

/// <summary>
/// The one routine that runs an op on the Reference kernels: constant folding, <c>OpEvaluator</c>,
/// and every backend's fallback for element types its own kernels do not take go through here, so
/// "create the Reference kernel, allocate outputs, run it" is written once.
/// </summary>
public static class ReferenceEvaluator
{
    /// <summary>The Reference kernel for <paramref name="op"/>; a typed error names the node when there is none.</summary>
    public static IKernel KernelFor(Op op) =>
        ReferenceBackend.Instance.CreateKernel(op)
        ?? throw new UnsupportedException($"{op.Node.DisplayName}: no reference kernel");

    /// <summary>Allocates zeroed outputs of <paramref name="outInfos"/> (omitted outputs stay null), as every evaluator needs.</summary>
    public static Tensor?[] AllocateOutputs(Op op, IReadOnlyList<TensorInfo> outInfos)
    {
        var outputs = new Tensor?[op.Node.Outputs.Count];
        for (int i = 0; i < outputs.Length; i++)
            if (op.Node.Outputs[i].Length > 0) outputs[i] = Tensor.Zeros(outInfos[i].Type, outInfos[i].Shape);
        return outputs;
    }

    /// <summary>Runs <paramref name="op"/> on the Reference kernel into outputs whose shapes are already known.</summary>
    public static Tensor?[] Evaluate(Op op, IReadOnlyList<Tensor?> inputs, IReadOnlyList<TensorInfo> outInfos)
    {
        var outputs = AllocateOutputs(op, outInfos);
        KernelFor(op).Run(inputs, outputs);
        return outputs;
    }

    /// <summary>Infers output shapes from the inputs, then evaluates as above.</summary>
    public static Tensor?[] Evaluate(Op op, IReadOnlyList<Tensor?> inputs) =>
        Evaluate(op, inputs, op.InferOutputs(TensorInfo.Of(inputs)));
}
