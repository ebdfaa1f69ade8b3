using KernelVision.Backends;
using KernelVision.Ops.Layout;
using KernelVision.Tensors;

namespace KernelVision.Gpu.Kernels.Layout;

/// <summary>Split: one strided copy per output.</summary>
[BackendKernel("gpu")]
public sealed class SplitGpu(Split op) : GpuKernel<Split>(op)
{
    /// <inheritdoc/>
    protected override void Execute(IReadOnlyList<Tensor?> inputs, IReadOnlyList<Tensor?> outputs)
    {
        var x = inputs[0]!;
        if (!AllFloat(inputs.Take(1).ToList(), outputs)) { RunOnHost(inputs, outputs); return; }
        var sizes = Op.Resolve(x.Shape, inputs.Count > 1 ? inputs[1] : null);
        int axis = Op.ResolveAxis(x.Rank);
        int outer = ShapeUtil.Product(x.Shape, 0, axis), inner = ShapeUtil.Product(x.Shape, axis + 1, x.Rank), total = x.Shape[axis];
        var xv = In(inputs, 0);
        int offset = 0;
        for (int k = 0; k < sizes.Length; k++)
        {
            if (k < outputs.Count && outputs[k] is { } y && y.Length > 0)
                Copies.Strided(Device, xv, Out(outputs, k), [outer, sizes[k], inner], [total * inner, inner, 1], [sizes[k] * inner, inner, 1], offset * inner, 0);
            offset += sizes[k];
        }
        Done(outputs);
    }
}
