using KernelVision.Backends;
using KernelVision.Gpu.Device;
using KernelVision.Gpu.Runtime;
using KernelVision.Ops.Neural;
using KernelVision.Tensors;

namespace KernelVision.Gpu.Kernels.Neural;

/// <summary>AveragePool on the device (count_include_pad and ceil_mode from the resolved geometry).</summary>
[BackendKernel("gpu")]
public sealed class AveragePoolGpu(AveragePool op) : GpuKernel<AveragePool>(op)
{
    /// <inheritdoc/>
    protected override void Execute(IReadOnlyList<Tensor?> inputs, IReadOnlyList<Tensor?> outputs)
    {
        var x = inputs[0]!;
        if (!AllFloat(inputs, outputs) || x.Rank > 5) { RunOnHost(inputs, outputs); return; }
        var g = Op.Resolve(x.Shape);
        var args = PoolSetup.Args(g, In(inputs, 0), Out(outputs, 0), false, Op.CountIncludePad);
        Launch.Elements(Device, NeuralKernels.Pool, outputs[0]!.Length, args);
        Done(outputs);
    }
}
