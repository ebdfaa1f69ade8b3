using KernelVision.Backends;
using KernelVision.Backends.Reference.Layout;
using KernelVision.Ops.Layout;
using KernelVision.Tensors;

namespace KernelVision.Cpu.Kernels.Layout;

/// <summary>Upsample through the Cpu <see cref="Resampler"/> (nearest: any element type; linear: float32, float64 on the Reference kernel).</summary>
[BackendKernel("cpu")]
public sealed class UpsampleCpu(Upsample op) : CpuKernel<Upsample>(op)
{
    private readonly UpsampleReference _reference = new(op);
    private readonly Resampler _resampler = new();

    /// <inheritdoc/>
    public override void Run(IReadOnlyList<Tensor?> inputs, IReadOnlyList<Tensor?> outputs)
    {
        var x = inputs[0]!;
        if (Op.Sampling.Mode != ResizeMode.Nearest && x.Type != DataType.Float32)
        {
            _reference.Run(inputs, outputs);
            return;
        }
        _resampler.Run(Pool, Op.Plan(inputs), x, outputs[0]!);
    }
}
