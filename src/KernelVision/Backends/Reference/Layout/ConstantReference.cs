using KernelVision.Ops.Layout;
using KernelVision.Tensors;

namespace KernelVision.Backends.Reference.Layout;

/// <summary>Copies the constant into the output.</summary>
[BackendKernel("reference")]
public sealed class ConstantReference(Constant op) : Kernel<Constant>(op)
{
    /// <inheritdoc/>
    public override void Run(IReadOnlyList<Tensor?> inputs, IReadOnlyList<Tensor?> outputs) => Op.Value.CopyTo(outputs[0]!);
}
