using KernelVision.Backends;
using KernelVision.Ops.Layout;
using KernelVision.Tensors;

namespace KernelVision.Gpu.Kernels.Layout;

/// <summary>Concat: one strided copy per input into its slab of the output.</summary>
[BackendKernel("gpu")]
public sealed class ConcatGpu(Concat op) : GpuKernel<Concat>(op)
{
    /// <inheritdoc/>
    protected override void Execute(IReadOnlyList<Tensor?> inputs, IReadOnlyList<Tensor?> outputs)
    {
        var y = outputs[0]!;
        if (!AllFloat(inputs, outputs)) { RunOnHost(inputs, outputs); return; }
        int axis = Op.ResolveAxis(y.Rank);
        int outer = ShapeUtil.Product(y.Shape, 0, axis), inner = ShapeUtil.Product(y.Shape, axis + 1, y.Rank), total = y.Shape[axis];
        var yv = Out(outputs, 0);
        int offset = 0;
        for (int i = 0; i < inputs.Count; i++)
        {
            var x = inputs[i]!;
            int len = x.Shape[axis];
            if (x.Length > 0)
                Copies.Strided(Device, In(inputs, i), yv, [outer, len, inner], [len * inner, inner, 1], [total * inner, inner, 1], 0, offset * inner);
            offset += len;
        }
        Done(outputs);
    }
}
