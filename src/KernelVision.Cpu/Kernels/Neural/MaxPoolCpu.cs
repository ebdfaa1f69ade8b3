using KernelVision.Backends;
using KernelVision.Cpu.Pool;
using KernelVision.Ops.Neural;
using KernelVision.Tensors;

namespace KernelVision.Cpu.Kernels.Neural;

/// <summary>
/// MaxPool on float32: vectorised 2-D path (any kernel, dilation and padding; stride 1 and 2 in
/// vector form), a generic N-d path that also writes the Indices output. Other element types
/// (float64, int8, uint8) run on the Reference kernel.
/// </summary>
[BackendKernel("cpu")]
public sealed class MaxPoolCpu(MaxPool op) : CpuKernel<MaxPool>(op)
{
    private PoolPlan? _plan;

    /// <inheritdoc/>
    protected override void Compute(IReadOnlyList<Tensor?> inputs, IReadOnlyList<Tensor?> outputs)
    {
        var x = inputs[0]!;
        var plan = _plan is { } p && p.Fits(x.Shape) ? p : _plan = new PoolPlan(Op, x.Shape);
        PoolRunner.Run(Pool, plan, PoolKind.Max, false, Op.StorageOrder, x, outputs[0]!, outputs.Count > 1 ? outputs[1] : null);
    }
}
