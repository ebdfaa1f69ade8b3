using KernelVision.Backends;
using KernelVision.Ops.Elementwise;
using KernelVision.Tensors;

namespace KernelVision.Cpu.Kernels.Elementwise;

/// <summary>
/// Sum on float32: y = x0 + x1 through the broadcast engine, then y += xi for each further input
/// (in place). Rounds after each add where the Reference rounds once; the difference is a few ulps.
/// </summary>
[BackendKernel("cpu")]
public sealed class SumCpu(Sum op) : CpuKernel<Sum>(op)
{
    private BroadcastPlan?[] _plans = [];

    /// <inheritdoc/>
    protected override void Compute(IReadOnlyList<Tensor?> inputs, IReadOnlyList<Tensor?> outputs)
    {
        var y = outputs[0]!;
        var x0 = inputs[0]!;
        if (inputs.Count == 1)
        {
            // A single input may still be broadcast to nothing larger than itself: a plain copy.
            x0.Floats.CopyTo(y.Floats);
            return;
        }
        if (_plans.Length != inputs.Count) _plans = new BroadcastPlan?[inputs.Count];
        var first = BroadcastPlan.For(ref _plans[1], x0.Shape, inputs[1]!.Shape, y.Shape);
        Broadcast.Run(Pool, new AddFn(), first, x0, inputs[1]!, y);
        for (int i = 2; i < inputs.Count; i++)
        {
            var plan = BroadcastPlan.For(ref _plans[i], y.Shape, inputs[i]!.Shape, y.Shape);
            Broadcast.Run(Pool, new AddFn(), plan, y, inputs[i]!, y);
        }
    }
}
