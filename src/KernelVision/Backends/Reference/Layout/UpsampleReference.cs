using KernelVision.Ops.Layout;
using KernelVision.Tensors;

namespace KernelVision.Backends.Reference.Layout;

/// <summary>Upsample: plans the run from the scales, then resamples with <see cref="Interpolation"/>.</summary>
[BackendKernel("reference")]
public sealed class UpsampleReference(Upsample op) : Kernel<Upsample>(op)
{
    /// <inheritdoc/>
    public override void Run(IReadOnlyList<Tensor?> inputs, IReadOnlyList<Tensor?> outputs)
    {
        Interpolation.Run(Op.Plan(inputs), inputs[0]!, outputs[0]!);
    }
}
