using KernelVision.Ops.Layout;
using KernelVision.Tensors;

namespace KernelVision.Backends.Reference.Layout;

/// <summary>Writes the fill value into every output element.</summary>
[BackendKernel("reference")]
public sealed class ConstantOfShapeReference(ConstantOfShape op) : Kernel<ConstantOfShape>(op)
{
    /// <inheritdoc/>
    public override void Run(IReadOnlyList<Tensor?> inputs, IReadOnlyList<Tensor?> outputs) => ElementCopy.Fill(outputs[0]!, Op.FillValue);
}
