using KernelVision.Backends;
using KernelVision.Cpu.Pool;
using KernelVision.Ops.Neural;
using KernelVision.Tensors;

namespace KernelVision.Cpu.Kernels.Neural;

/// <summary>
/// AveragePool on float32: vectorised 2-D path and generic N-d path, with ceil_mode, pads,
/// dilations and count_include_pad as the Reference counts them. Float64 runs on the Reference kernel.
/// </summary>
[BackendKernel("cpu")]
public sealed class AveragePoolCpu(AveragePool op) : CpuKernel<AveragePool>(op)
{
    private PoolPlan? _plan;

    /// <inheritdoc/>
    protected override void Compute(IReadOnlyList<Tensor?> inputs, IReadOnlyList<Tensor?> outputs)
    {
        var x = inputs[0]!;
        var plan = _plan is { } p && p.Fits(x.Shape) ? p : _plan = new PoolPlan(Op, x.Shape);
        PoolRunner.Run(Pool, plan, PoolKind.Average, Op.CountIncludePad, 0, x, outputs[0]!, null);
    }
}
