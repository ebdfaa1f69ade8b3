using KernelVision.Graph;

namespace KernelVision.Ops.Layout;

/// <summary>Concat: joins tensors of equal rank along one axis; every other dimension must match.</summary>
[OnnxOp("Concat")]
public sealed class Concat : Op
{
    /// <summary>The axis as written (may be negative); see <see cref="ResolveAxis"/>.</summary>
    public long Axis { get; }

    /// <summary>Parses 'axis' (required from opset 4, default 1 before).</summary>
    public Concat(Node node, int opset) : base(node, opset)
    {
        Axis = opset < 4 ? Attributes.GetInt("axis", 1) : Attributes.GetInt("axis");
    }

    /// <summary>The axis normalised for inputs of <paramref name="rank"/>.</summary>
    public int ResolveAxis(int rank) => LayoutUtil.Axis(Node, Axis, rank);

    /// <inheritdoc/>
    public override TensorInfo[] InferOutputs(IReadOnlyList<TensorInfo?> inputs)
    {
        if (inputs.Count == 0) throw Fail("expects at least 1 input");
        var first = Input(inputs, 0);
        int rank = first.Shape.Length;
        if (rank == 0) throw Fail("cannot concatenate scalars");
        int axis = ResolveAxis(rank);
        long total = 0;
        for (int i = 0; i < inputs.Count; i++)
        {
            var x = Input(inputs, i);
            if (x.Type != first.Type) throw Fail($"input {i} is {x} but input 0 is {first}");
            if (x.Shape.Length != rank) throw Fail($"input {i} is {x} but input 0 is {first}: ranks differ");
            for (int d = 0; d < rank; d++)
                if (d != axis && x.Shape[d] != first.Shape[d])
                    throw Fail($"input {i} is {x} but input 0 is {first}: dimension {d} differs");
            total += x.Shape[axis];
        }
        var shape = (int[])first.Shape.Clone();
        shape[axis] = LayoutUtil.Dim(Node, total);
        return [new TensorInfo(first.Type, LayoutUtil.CheckShape(Node, shape))];
    }
}
