using KernelVision.Ops.Elementwise;
using KernelVision.Tensors;

namespace KernelVision.Backends.Reference.Elementwise;

/// <summary>Selu element by element.</summary>
[BackendKernel("reference")]
public sealed class SeluReference(Selu op) : Kernel<Selu>(op)
{
    /// <inheritdoc/>
    public override void Run(IReadOnlyList<Tensor?> inputs, IReadOnlyList<Tensor?> outputs)
    {
        double alpha = Op.Alpha, gamma = Op.Gamma;
        ElementAccess.Map(inputs[0]!, outputs[0]!, x => x > 0 ? gamma * x : gamma * alpha * (Math.Exp(x) - 1));
    }
}
