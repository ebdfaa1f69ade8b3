using KernelVision.Backends;
using KernelVision.Ops.Neural;
using KernelVision.Tensors;

namespace KernelVision.Gpu.Kernels.Neural;

/// <summary>GlobalMaxPool.</summary>
[BackendKernel("gpu")]
public sealed class GlobalMaxPoolGpu(GlobalMaxPool op) : GpuKernel<GlobalMaxPool>(op)
{
    /// <inheritdoc/>
    protected override void Execute(IReadOnlyList<Tensor?> inputs, IReadOnlyList<Tensor?> outputs)
    {
        if (!AllFloat(inputs, outputs) || ShapeUtil.Product(inputs[0]!.Shape, 2, inputs[0]!.Rank) == 0) { RunOnHost(inputs, outputs); return; }
        GlobalPoolSetup.Run(Device, In(inputs, 0), Out(outputs, 0), inputs[0]!, true);
        Done(outputs);
    }
}
