using KernelVision.Backends;
using KernelVision.Backends.Reference.Neural;
using KernelVision.Ops.Neural;
using KernelVision.Tensors;

namespace KernelVision.Cpu.Kernels.Neural;

/// <summary>GlobalMaxPool on float32: a vector max per (n, c) plane (NaN propagates, as in the Reference), planes spread over the threads.</summary>
[BackendKernel("cpu")]
public sealed class GlobalMaxPoolCpu(GlobalMaxPool op) : CpuKernel<GlobalMaxPool>(op)
{
    private readonly GlobalMaxPoolReference _reference = new(op);

    /// <inheritdoc/>
    public override void Run(IReadOnlyList<Tensor?> inputs, IReadOnlyList<Tensor?> outputs)
    {
        var x = inputs[0]!;
        if (x.Type != DataType.Float32)
        {
            _reference.Run(inputs, outputs);
            return;
        }
        GlobalPoolPlanes.Reduce(Pool, x, outputs[0]!, average: false);
    }
}
