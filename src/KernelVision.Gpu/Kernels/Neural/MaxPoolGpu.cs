using KernelVision.Backends;
using KernelVision.Gpu.Device;
using KernelVision.Gpu.Runtime;
using KernelVision.Ops.Neural;
using KernelVision.Tensors;

namespace KernelVision.Gpu.Kernels.Neural;

/// <summary>MaxPool (float32, no Indices output) on the device; Indices and integer inputs run on the host.</summary>
[BackendKernel("gpu")]
public sealed class MaxPoolGpu(MaxPool op) : GpuKernel<MaxPool>(op)
{
    /// <inheritdoc/>
    protected override void Execute(IReadOnlyList<Tensor?> inputs, IReadOnlyList<Tensor?> outputs)
    {
        var x = inputs[0]!;
        if (!AllFloat(inputs, outputs) || (outputs.Count > 1 && outputs[1] is not null) || x.Rank > 5) { RunOnHost(inputs, outputs); return; }
        var g = Op.Resolve(x.Shape);
        var y = outputs[0]!;
        var args = PoolSetup.Args(g, In(inputs, 0), Out(outputs, 0), true, false);
        Launch.Elements(Device, NeuralKernels.Pool, y.Length, args);
        Done(outputs);
    }
}
