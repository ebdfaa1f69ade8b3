using KernelVision.Backends;
using KernelVision.Ops.Layout;
using KernelVision.Tensors;

namespace KernelVision.Cpu.Kernels.Layout;

/// <summary>Upsample through the Cpu <see cref="Resampler"/> (nearest: any element type; linear: float32, float64 on the Reference kernel).</summary>
[BackendKernel("cpu")]
public sealed class UpsampleCpu(Upsample op) : CpuKernel<Upsample>(op)
{
    private readonly Resampler _resampler = new();

    /// <summary>Nearest copies elements of any type; the interpolating modes compute float32.</summary>
    protected override bool Computes(DataType type) => Op.Sampling.Mode == ResizeMode.Nearest || base.Computes(type);

    /// <inheritdoc/>
    protected override void Compute(IReadOnlyList<Tensor?> inputs, IReadOnlyList<Tensor?> outputs) =>
        _resampler.Run(Pool, Op.Plan(inputs), inputs[0]!, outputs[0]!);
}
