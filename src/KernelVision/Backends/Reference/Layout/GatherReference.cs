using KernelVision.Ops.Layout;
using KernelVision.Tensors;

namespace KernelVision.Backends.Reference.Layout;

/// <summary>
/// Gather: viewing the data as [outer, dim, inner], output block (o, j) is data block
/// (o, indices[j]), each block being <c>inner</c> consecutive elements.
/// </summary>
[BackendKernel("reference")]
public sealed class GatherReference(Gather op) : Kernel<Gather>(op)
{
    /// <inheritdoc/>
    public override void Run(IReadOnlyList<Tensor?> inputs, IReadOnlyList<Tensor?> outputs)
    {
        var data = inputs[0]!;
        var indices = inputs[1]!.Int64s;
        var y = outputs[0]!;
        int axis = Op.ResolveAxis(data.Rank);
        int dim = data.Shape[axis];
        int outer = ShapeUtil.Product(data.Shape, 0, axis);
        int inner = ShapeUtil.Product(data.Shape, axis + 1, data.Rank);
        var rows = new int[indices.Length];
        for (int j = 0; j < rows.Length; j++) rows[j] = Op.CheckIndex(indices[j], dim);
        for (int o = 0; o < outer; o++)
            for (int j = 0; j < rows.Length; j++)
                ElementCopy.Copy(data, (o * dim + rows[j]) * inner, y, (o * rows.Length + j) * inner, inner);
    }
}
