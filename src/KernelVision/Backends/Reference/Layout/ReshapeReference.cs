using KernelVision.Ops.Layout;
using KernelVision.Tensors;

namespace KernelVision.Backends.Reference.Layout;

/// <summary>Reshape keeps row-major order, so the data is copied as is.</summary>
[BackendKernel("reference")]
public sealed class ReshapeReference(Reshape op) : Kernel<Reshape>(op)
{
    /// <inheritdoc/>
    public override void Run(IReadOnlyList<Tensor?> inputs, IReadOnlyList<Tensor?> outputs) => inputs[0]!.CopyTo(outputs[0]!);
}
