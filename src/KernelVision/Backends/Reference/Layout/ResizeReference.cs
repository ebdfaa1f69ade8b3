using KernelVision.Ops.Layout;
using KernelVision.Tensors;

namespace KernelVision.Backends.Reference.Layout;

/// <summary>Resize: plans the run from the actual roi/scales/sizes, then resamples with <see cref="Interpolation"/>.</summary>
[BackendKernel("reference")]
public sealed class ResizeReference(Resize op) : Kernel<Resize>(op)
{
    /// <inheritdoc/>
    public override void Run(IReadOnlyList<Tensor?> inputs, IReadOnlyList<Tensor?> outputs)
    {
        Interpolation.Run(Op.Plan(inputs), inputs[0]!, outputs[0]!);
    }
}
