using KernelVision.Ops.Layout;
using KernelVision.Tensors;

namespace KernelVision.Backends.Reference.Layout;

/// <summary>Unsqueeze only changes the shape; the data is copied as is.</summary>
[BackendKernel("reference")]
public sealed class UnsqueezeReference(Unsqueeze op) : Kernel<Unsqueeze>(op)
{
    /// <inheritdoc/>
    public override void Run(IReadOnlyList<Tensor?> inputs, IReadOnlyList<Tensor?> outputs) => inputs[0]!.CopyTo(outputs[0]!);
}
