using KernelVision.Graph;
using KernelVision.Tensors;

namespace KernelVision.Ops.Layout;

/// <summary>
/// Split: cuts a tensor along one axis into one piece per output. Piece sizes come from 'split'
/// (attribute before opset 13, input after), or are equal; from opset 18 'num_outputs' allows an
/// uneven split where every piece is ceil(dim / n) long except a shorter last one.
/// </summary>
[OnnxOp("Split")]
public sealed class Split : Op
{
    /// <summary>The axis as written (may be negative).</summary>
    public long Axis { get; }

    /// <summary>Piece sizes from the 'split' attribute (opset &lt; 13), else null.</summary>
    public long[]? SplitAttribute { get; }

    /// <summary>The 'num_outputs' attribute (opset 18+), else null.</summary>
    public int? NumOutputs { get; }

    /// <summary>Parses 'axis', 'split' and 'num_outputs'.</summary>
    public Split(Node node, int opset) : base(node, opset)
    {
        Axis = Attributes.GetInt("axis", 0);
        if (Node.Outputs.Count == 0) throw Fail("expects at least 1 output");
        if (opset < 13) SplitAttribute = Attributes.GetInts("split");
        if (opset >= 18 && Attributes.Has("num_outputs"))
        {
            long n = Attributes.GetInt("num_outputs");
            if (n != Node.Outputs.Count) throw Fail($"num_outputs is {n} but the node has {Node.Outputs.Count} outputs");
            NumOutputs = (int)n;
        }
    }

    /// <summary>The axis normalised for an input of <paramref name="rank"/>.</summary>
    public int ResolveAxis(int rank) => LayoutUtil.Axis(Node, Axis, rank);

    /// <summary>Piece sizes for an input of <paramref name="shape"/>; <paramref name="splitInput"/> is input 1 when given.</summary>
    public int[] Resolve(int[] shape, Tensor? splitInput)
    {
        if (shape.Length == 0) throw Fail("cannot split a scalar");
        int axis = ResolveAxis(shape.Length);
        int dim = shape[axis];
        int n = Node.Outputs.Count;
        long[]? split = SplitAttribute;
        if (splitInput is not null && splitInput.Length > 0) split = LayoutUtil.Ints(Node, splitInput, "split");
        if (split is not null)
        {
            if (NumOutputs is not null) throw Fail("'split' and 'num_outputs' cannot both be given");
            if (split.Length != n) throw Fail($"split {LayoutUtil.Format(split)} has {split.Length} entries but the node has {n} outputs");
            long sum = 0;
            foreach (long s in split)
            {
                if (s < 0) throw Fail($"split {LayoutUtil.Format(split)} has a negative size");
                sum += s;
            }
            if (sum != dim) throw Fail($"split {LayoutUtil.Format(split)} sums to {sum} but axis {axis} has size {dim}");
            return split.Select(s => (int)s).ToArray();
        }
        var sizes = new int[n];
        if (dim % n == 0)
        {
            Array.Fill(sizes, dim / n);
            return sizes;
        }
        if (NumOutputs is null) throw Fail($"axis {axis} of size {dim} cannot be split evenly into {n} outputs");
        int chunk = (dim + n - 1) / n;
        int last = dim - chunk * (n - 1);
        if (last < 0) throw Fail($"axis {axis} of size {dim} cannot be split into {n} chunks of {chunk}");
        Array.Fill(sizes, chunk);
        sizes[n - 1] = last;
        return sizes;
    }

    /// <inheritdoc/>
    public override TensorInfo[] InferOutputs(IReadOnlyList<TensorInfo?> inputs)
    {
        ExpectInputs(inputs, 1, 2);
        var x = Input(inputs, 0);
        var sizes = Resolve(x.Shape, LayoutUtil.OptionalValue(inputs, 1));
        int axis = ResolveAxis(x.Shape.Length);
        return sizes.Select(s =>
        {
            var shape = (int[])x.Shape.Clone();
            shape[axis] = s;
            return new TensorInfo(x.Type, shape);
        }).ToArray();
    }
}
