using KernelVision.Ops;
using KernelVision.Tensors;

namespace KernelVision.Gpu.Kernels.Layout;

/// <summary>Ops whose float output is the input's elements unchanged (only the shape differs): one device copy.</summary>
public abstract class DataCopyGpu<TOp>(TOp op) : GpuKernel<TOp>(op) where TOp : Op
{
    /// <inheritdoc/>
    protected override void Execute(IReadOnlyList<Tensor?> inputs, IReadOnlyList<Tensor?> outputs)
    {
        if (inputs[0]!.Type != DataType.Float32 || outputs[0]!.Type != DataType.Float32 || outputs.Skip(1).Any(t => t is not null) || !Extra(inputs))
        {
            RunOnHost(inputs, outputs);
            return;
        }
        Copies.Whole(Device, In(inputs, 0), Out(outputs, 0));
        Done(outputs);
    }

    /// <summary>False when other inputs ask for behaviour the copy does not have.</summary>
    protected virtual bool Extra(IReadOnlyList<Tensor?> inputs) => true;
}
