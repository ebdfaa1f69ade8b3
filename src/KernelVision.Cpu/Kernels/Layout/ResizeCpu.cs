using KernelVision.Backends;
using KernelVision.Backends.Reference.Layout;
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
    private readonly ResizeReference _reference = new(op);
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
