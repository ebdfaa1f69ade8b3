using KernelVision.Ops.Layout;
using KernelVision.Tensors;

namespace KernelVision.Backends.Reference.Layout;

/// <summary>
/// Concat: viewing each tensor as [outer, block] where outer is the product of the dims before the
/// axis, output row o is input 0's row o, then input 1's row o, and so on.
/// </summary>
[BackendKernel("reference")]
public sealed class ConcatReference(Concat op) : Kernel<Concat>(op)
{
    /// <inheritdoc/>
    public override void Run(IReadOnlyList<Tensor?> inputs, IReadOnlyList<Tensor?> outputs)
    {
        var y = outputs[0]!;
        int axis = Op.ResolveAxis(y.Rank);
        int outer = ShapeUtil.Product(y.Shape, 0, axis);
        int outRow = ShapeUtil.Product(y.Shape, axis, y.Rank);
        int column = 0;
        foreach (var x in inputs)
        {
            int block = ShapeUtil.Product(x!.Shape, axis, x.Rank);
            for (int o = 0; o < outer; o++)
                ElementCopy.Copy(x, o * block, y, o * outRow + column, block);
            column += block;
        }
    }
}
