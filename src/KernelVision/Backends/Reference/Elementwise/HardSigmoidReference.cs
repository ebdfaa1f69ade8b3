using KernelVision.Ops.Elementwise;
using KernelVision.Tensors;

namespace KernelVision.Backends.Reference.Elementwise;

/// <summary>HardSigmoid element by element.</summary>
[BackendKernel("reference")]
public sealed class HardSigmoidReference(HardSigmoid op) : Kernel<HardSigmoid>(op)
{
    /// <inheritdoc/>
    public override void Run(IReadOnlyList<Tensor?> inputs, IReadOnlyList<Tensor?> outputs)
    {
        double alpha = Op.Alpha, beta = Op.Beta;
        ElementAccess.Map(inputs[0]!, outputs[0]!, x => Math.Max(0, Math.Min(1, alpha * x + beta)));
    }
}
