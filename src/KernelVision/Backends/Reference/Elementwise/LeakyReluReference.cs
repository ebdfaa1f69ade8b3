using KernelVision.Ops.Elementwise;
using KernelVision.Tensors;

namespace KernelVision.Backends.Reference.Elementwise;

/// <summary>LeakyRelu element by element.</summary>
[BackendKernel("reference")]
public sealed class LeakyReluReference(LeakyRelu op) : Kernel<LeakyRelu>(op)
{
    /// <inheritdoc/>
    public override void Run(IReadOnlyList<Tensor?> inputs, IReadOnlyList<Tensor?> outputs)
    {
        double alpha = Op.Alpha;
        ElementAccess.Map(inputs[0]!, outputs[0]!, x => x >= 0 ? x : alpha * x);
    }
}
