using KernelVision.Backends;
using KernelVision.Ops.Layout;
using KernelVision.Tensors;

namespace KernelVision.Gpu.Kernels.Layout;

/// <summary>Transpose: a gather with permuted source strides.</summary>
[BackendKernel("gpu")]
public sealed class TransposeGpu(Transpose op) : GpuKernel<Transpose>(op)
{
    /// <inheritdoc/>
    protected override void Execute(IReadOnlyList<Tensor?> inputs, IReadOnlyList<Tensor?> outputs)
    {
        var x = inputs[0]!;
        var y = outputs[0]!;
        if (!AllFloat(inputs, outputs)) { RunOnHost(inputs, outputs); return; }
        var perm = Op.ResolvePerm(x.Rank);
        var xs = ShapeUtil.Strides(x.Shape);
        var s = perm.Select(p => xs[p]).ToArray();
        if (y.Length > 0 && !Copies.Strided(Device, In(inputs, 0), Out(outputs, 0), y.Shape, s, ShapeUtil.Strides(y.Shape)))
        {
            RunOnHost(inputs, outputs);
            return;
        }
        Done(outputs);
    }
}
