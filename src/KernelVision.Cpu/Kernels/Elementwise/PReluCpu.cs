using KernelVision.Backends;
using KernelVision.Ops.Elementwise;
using KernelVision.Tensors;

namespace KernelVision.Cpu.Kernels.Elementwise;

/// <summary>PRelu on float32: the slope broadcast like a binary operand (per-channel slopes become one value per H·W run).</summary>
[BackendKernel("cpu")]
public sealed class PReluCpu(PRelu op) : CpuKernel<PRelu>(op)
{
    private BroadcastPlan? _plan;

    /// <inheritdoc/>
    protected override void Compute(IReadOnlyList<Tensor?> inputs, IReadOnlyList<Tensor?> outputs)
    {
        var x = inputs[0]!;
        var slope = inputs[1]!;
        var y = outputs[0]!;
        var plan = BroadcastPlan.For(ref _plan, x.Shape, Op.AlignedSlopeShape(x.Shape, slope.Shape), y.Shape);
        Broadcast.Run(Pool, new PReluFn(), plan, x, slope, y);
    }
}
