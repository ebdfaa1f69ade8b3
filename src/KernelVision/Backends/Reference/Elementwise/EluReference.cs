using KernelVision.Ops.Elementwise;
using KernelVision.Tensors;

namespace KernelVision.Backends.Reference.Elementwise;

/// <summary>Elu element by element.</summary>
[BackendKernel("reference")]
public sealed class EluReference(Elu op) : Kernel<Elu>(op)
{
    /// <inheritdoc/>
    public override void Run(IReadOnlyList<Tensor?> inputs, IReadOnlyList<Tensor?> outputs)
    {
        double alpha = Op.Alpha;
        ElementAccess.Map(inputs[0]!, outputs[0]!, x => x >= 0 ? x : alpha * (Math.Exp(x) - 1));
    }
}
