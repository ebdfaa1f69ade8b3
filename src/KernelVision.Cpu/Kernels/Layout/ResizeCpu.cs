using KernelVision.Backends;
using KernelVision.Ops.Layout;
using KernelVision.Tensors;

namespace KernelVision.Cpu.Kernels.Layout;

/// <summary>
/// Resize through the Cpu <see cref="Resampler"/>: nearest on any element type, linear and cubic
/// (antialias, tf_crop_and_resize and the other coordinate modes included) on float32. Linear/cubic on
/// float64 runs on the Reference kernel.
/// </summary>
[BackendKernel("cpu")]
public sealed class ResizeCpu(Resize op) : CpuKernel<Resize>(op)
{
    private readonly Resampler _resampler = new();

    /// <summary>Nearest copies elements of any type; the interpolating modes compute float32.</summary>
    protected override bool Computes(DataType type) => Op.Sampling.Mode == ResizeMode.Nearest || base.Computes(type);

    /// <inheritdoc/>
    protected override void Compute(IReadOnlyList<Tensor?> inputs, IReadOnlyList<Tensor?> outputs) =>
        _resampler.Run(Pool, Op.Plan(inputs), inputs[0]!, outputs[0]!);
}
