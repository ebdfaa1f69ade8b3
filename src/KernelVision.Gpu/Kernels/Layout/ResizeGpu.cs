using KernelVision.Backends;
using KernelVision.Ops.Layout;
using KernelVision.Tensors;

namespace KernelVision.Gpu.Kernels.Layout;

/// <summary>Resize (nearest, linear, cubic, antialias: the plan's taps) on the device.</summary>
[BackendKernel("gpu")]
public sealed class ResizeGpu(Resize op) : GpuKernel<Resize>(op)
{
    private readonly Resampler _resampler = new();

    /// <inheritdoc/>
    protected override void Execute(IReadOnlyList<Tensor?> inputs, IReadOnlyList<Tensor?> outputs)
    {
        var x = inputs[0]!;
        var y = outputs[0]!;
        if (x.Type != DataType.Float32 || y.Length == 0) { RunOnHost(inputs, outputs); return; }
        var plan = Op.Plan(inputs);
        if (!_resampler.Run(Device, plan, In(inputs, 0), Out(outputs, 0), x.Shape, y.Shape)) { RunOnHost(inputs, outputs); return; }
        Done(outputs);
    }
}
