using KernelVision.Ops.Layout;
using KernelVision.Tensors;

namespace KernelVision.Backends.Reference.Layout;

/// <summary>Flatten keeps row-major order, so the data is copied as is.</summary>
[BackendKernel("reference")]
public sealed class FlattenReference(Flatten op) : Kernel<Flatten>(op)
{
    /// <inheritdoc/>
    public override void Run(IReadOnlyList<Tensor?> inputs, IReadOnlyList<Tensor?> outputs) => inputs[0]!.CopyTo(outputs[0]!);
}
