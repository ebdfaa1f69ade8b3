using KernelVision.Ops.Layout;
using KernelVision.Tensors;

namespace KernelVision.Backends.Reference.Layout;

/// <summary>Slice: output index k on axis d reads input index start[d] + k·step[d].</summary>
[BackendKernel("reference")]
public sealed class SliceReference(Slice op) : Kernel<Slice>(op)
{
    /// <inheritdoc/>
    public override void Run(IReadOnlyList<Tensor?> inputs, IReadOnlyList<Tensor?> outputs)
    {
        var x = inputs[0]!;
        var y = outputs[0]!;
        var plan = Op.Resolve(x.Shape, At(inputs, 1), At(inputs, 2), At(inputs, 3), At(inputs, 4));
        var strides = ShapeUtil.Strides(x.Shape);
        var index = new int[y.Rank];
        var map = new int[y.Length];
        for (int i = 0; i < map.Length; i++)
        {
            ElementCopy.Unravel(i, y.Shape, index);
            int src = 0;
            for (int d = 0; d < index.Length; d++)
                src += (plan[d].Start + index[d] * plan[d].Step) * strides[d];
            map[i] = src;
        }
        ElementCopy.Gather(x, y, map);
    }

    private static Tensor? At(IReadOnlyList<Tensor?> inputs, int i) => i < inputs.Count ? inputs[i] : null;
}
