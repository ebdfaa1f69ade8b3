using KernelVision.Backends;
using KernelVision.Backends.Reference.Elementwise;
using KernelVision.Ops.Elementwise;
using KernelVision.Tensors;

namespace KernelVision.Cpu.Kernels.Elementwise;

/// <summary>PRelu on float32: the slope broadcast like a binary operand (per-channel slopes become one value per H·W run).</summary>
[BackendKernel("cpu")]
public sealed class PReluCpu(PRelu op) : CpuKernel<PRelu>(op)
{
    private readonly PReluReference _reference = new(op);
    private BroadcastPlan? _plan;

    /// <inheritdoc/>
    public override void Run(IReadOnlyList<Tensor?> inputs, IReadOnlyList<Tensor?> outputs)
    {
        var x = inputs[0]!;
        var slope = inputs[1]!;
        var y = outputs[0]!;
        if (x.Type != DataType.Float32)
        {
            _reference.Run(inputs, outputs);
            return;
        }
        var plan = BroadcastPlan.For(ref _plan, x.Shape, Op.AlignedSlopeShape(x.Shape, slope.Shape), y.Shape);
        Broadcast.Run(Pool, new PReluFn(), plan, x, slope, y);
    }
}
