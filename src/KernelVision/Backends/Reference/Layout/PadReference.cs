using KernelVision.Ops.Layout;
using KernelVision.Tensors;

namespace KernelVision.Backends.Reference.Layout;

/// <summary>
/// Pad: for each output element, find on every axis which input coordinate it copies (the
/// op's <see cref="Pad.SourceIndex"/>); if any axis says "constant", the element is the constant.
/// </summary>
[BackendKernel("reference")]
public sealed class PadReference(Pad op) : Kernel<Pad>(op)
{
    /// <inheritdoc/>
    public override void Run(IReadOnlyList<Tensor?> inputs, IReadOnlyList<Tensor?> outputs)
    {
        var x = inputs[0]!;
        var y = outputs[0]!;
        var (begin, end) = Op.Resolve(x.Shape, At(inputs, 1), At(inputs, 3));
        int rank = x.Rank;
        // The part of each axis kept after negative pads crop it.
        var first = new int[rank];
        var count = new int[rank];
        for (int d = 0; d < rank; d++)
        {
            first[d] = (int)Math.Max(0, -begin[d]);
            count[d] = (int)(x.Shape[d] - first[d] - Math.Max(0, -end[d]));
        }
        var strides = ShapeUtil.Strides(x.Shape);
        var index = new int[rank];
        var map = new int[y.Length];
        for (int i = 0; i < map.Length; i++)
        {
            ElementCopy.Unravel(i, y.Shape, index);
            int src = 0;
            for (int d = 0; d < rank && src >= 0; d++)
            {
                int s = Op.SourceIndex(index[d], first[d], count[d], Math.Max(0, begin[d]));
                src = s < 0 ? -1 : src + s * strides[d];
            }
            map[i] = src;
        }

        var constant = At(inputs, 2);
        bool given = constant is not null && constant.Length > 0;
        switch (x.Raw.Storage)
        {
            case float[]: ElementCopy.Gather(x, y, map, given ? constant!.Floats[0] : Op.ValueAttribute); break;
            case double[]: ElementCopy.Gather(x, y, map, given ? constant!.Doubles[0] : Op.ValueAttribute); break;
            case long[]: ElementCopy.Gather(x, y, map, given ? constant!.Int64s[0] : (long)Op.ValueAttribute); break;
            case bool[]: ElementCopy.Gather(x, y, map, given ? constant!.Bools[0] : Op.ValueAttribute != 0); break;
            default: throw new UnsupportedException($"{Op.Node.DisplayName}: tensors of type {x.Type.Name()} are not supported");
        }
    }

    private static Tensor? At(IReadOnlyList<Tensor?> inputs, int i) => i < inputs.Count ? inputs[i] : null;
}
