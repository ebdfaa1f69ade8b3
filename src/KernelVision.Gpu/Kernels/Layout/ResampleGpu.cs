using KernelVision.Ops;
using KernelVision.Ops.Layout;
using KernelVision.Tensors;

namespace KernelVision.Gpu.Kernels.Layout;

/// <summary>
/// Base of Resize and Upsample: both ops reduce to a <see cref="ResizePlan"/>, which the
/// <see cref="Resampler"/> runs on the device; only how the plan is read from the inputs differs.
/// </summary>
public abstract class ResampleGpu<TOp>(TOp op) : GpuKernel<TOp>(op) where TOp : Op
{
    private readonly Resampler _resampler = new();

    /// <summary>The op's resampling plan for these inputs.</summary>
    protected abstract ResizePlan Plan(IReadOnlyList<Tensor?> inputs);

    /// <inheritdoc/>
    protected override void Execute(IReadOnlyList<Tensor?> inputs, IReadOnlyList<Tensor?> outputs)
    {
        var x = inputs[0]!;
        var y = outputs[0]!;
        if (x.Type != DataType.Float32 || y.Length == 0) { RunOnHost(inputs, outputs); return; }
        var plan = Plan(inputs);
        if (!_resampler.Run(Device, plan, In(inputs, 0), Out(outputs, 0), x.Shape, y.Shape)) { RunOnHost(inputs, outputs); return; }
        Done(outputs);
    }
}
