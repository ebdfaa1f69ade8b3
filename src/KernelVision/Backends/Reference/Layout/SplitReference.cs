using KernelVision.Ops.Layout;
using KernelVision.Tensors;

namespace KernelVision.Backends.Reference.Layout;

/// <summary>
/// Split: viewing the input as [outer, row] (outer = product of the dims before the axis), each
/// output takes its consecutive part of every row.
/// </summary>
[BackendKernel("reference")]
public sealed class SplitReference(Split op) : Kernel<Split>(op)
{
    /// <inheritdoc/>
    public override void Run(IReadOnlyList<Tensor?> inputs, IReadOnlyList<Tensor?> outputs)
    {
        var x = inputs[0]!;
        var sizes = Op.Resolve(x.Shape, inputs.Count > 1 ? inputs[1] : null);
        int axis = Op.ResolveAxis(x.Rank);
        int outer = ShapeUtil.Product(x.Shape, 0, axis);
        int inner = ShapeUtil.Product(x.Shape, axis + 1, x.Rank);
        int row = x.Shape[axis] * inner;
        int column = 0;
        for (int k = 0; k < sizes.Length; k++)
        {
            int block = sizes[k] * inner;
            var y = outputs[k];
            if (y is not null)
                for (int o = 0; o < outer; o++)
                    ElementCopy.Copy(x, o * row + column, y, o * block, block);
            column += block;
        }
    }
}
