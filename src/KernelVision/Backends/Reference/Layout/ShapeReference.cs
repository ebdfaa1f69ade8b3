using KernelVision.Ops.Layout;
using KernelVision.Tensors;

namespace KernelVision.Backends.Reference.Layout;

/// <summary>Writes the input's dimensions.</summary>
[BackendKernel("reference")]
public sealed class ShapeReference(Shape op) : Kernel<Shape>(op)
{
    /// <inheritdoc/>
    public override void Run(IReadOnlyList<Tensor?> inputs, IReadOnlyList<Tensor?> outputs) =>
        Op.Compute(inputs[0]!.Shape).CopyTo(outputs[0]!);
}
