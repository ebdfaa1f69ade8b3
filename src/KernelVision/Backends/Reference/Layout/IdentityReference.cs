using KernelVision.Ops.Layout;
using KernelVision.Tensors;

namespace KernelVision.Backends.Reference.Layout;

/// <summary>Copies the input.</summary>
[BackendKernel("reference")]
public sealed class IdentityReference(Identity op) : Kernel<Identity>(op)
{
    /// <inheritdoc/>
    public override void Run(IReadOnlyList<Tensor?> inputs, IReadOnlyList<Tensor?> outputs)
    {
        inputs[0]!.CopyTo(outputs[0]!);
    }
}
