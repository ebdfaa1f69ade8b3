using KernelVision.Ops.Layout;
using KernelVision.Tensors;

namespace KernelVision.Backends.Reference.Layout;

/// <summary>Transpose: output index (i0..ik) reads the input at the index whose dimension perm[d] is i_d.</summary>
[BackendKernel("reference")]
public sealed class TransposeReference(Transpose op) : Kernel<Transpose>(op)
{
    /// <inheritdoc/>
    public override void Run(IReadOnlyList<Tensor?> inputs, IReadOnlyList<Tensor?> outputs)
    {
        var x = inputs[0]!;
        var y = outputs[0]!;
        var perm = Op.ResolvePerm(x.Rank);
        var inStrides = ShapeUtil.Strides(x.Shape);
        var index = new int[y.Rank];
        var map = new int[y.Length];
        for (int i = 0; i < map.Length; i++)
        {
            ElementCopy.Unravel(i, y.Shape, index);
            int src = 0;
            for (int d = 0; d < index.Length; d++) src += index[d] * inStrides[perm[d]];
            map[i] = src;
        }
        ElementCopy.Gather(x, y, map);
    }
}
