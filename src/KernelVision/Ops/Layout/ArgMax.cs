using KernelVision.Graph;
using KernelVision.Tensors;

namespace KernelVision.Ops.Layout;

/// <summary>
/// ArgMax: int64 index of the largest element along 'axis' (first one on ties, or the last with
/// 'select_last_index', opset 12+); 'keepdims' keeps the reduced axis as size 1.
/// </summary>
[OnnxOp("ArgMax")]
public sealed class ArgMax : Op
{
    /// <summary>The axis as written (default 0).</summary>
    public long Axis { get; }
    /// <summary>Keep the reduced axis with size 1 (default true).</summary>
    public bool KeepDims { get; }
    /// <summary>On ties, report the last index instead of the first.</summary>
    public bool SelectLastIndex { get; }

    /// <summary>Parses 'axis', 'keepdims', 'select_last_index'.</summary>
    public ArgMax(Node node, int opset) : base(node, opset)
    {
        Axis = Attributes.GetInt("axis", 0);
        KeepDims = Flag("keepdims", 1);
        SelectLastIndex = Flag("select_last_index", 0);
    }

    private bool Flag(string name, long fallback)
    {
        long v = Attributes.GetInt(name, fallback);
        if (v is not (0 or 1)) throw Fail($"{name} must be 0 or 1, got {v}");
        return v == 1;
    }

    /// <summary>The axis normalised for an input of <paramref name="rank"/>.</summary>
    public int ResolveAxis(int rank) => LayoutUtil.Axis(Node, Axis, rank);

    /// <inheritdoc/>
    public override TensorInfo[] InferOutputs(IReadOnlyList<TensorInfo?> inputs)
    {
        ExpectInputs(inputs, 1, 1);
        var x = Input(inputs, 0);
        if (x.Type == DataType.Bool) throw Unsupported($"ArgMax of {x} is not supported");
        if (x.Shape.Length == 0) throw Fail("cannot take ArgMax of a scalar");
        int axis = ResolveAxis(x.Shape.Length);
        if (x.Shape[axis] == 0) throw Fail($"cannot take ArgMax over empty axis {axis} of {x}");
        var shape = KeepDims
            ? x.Shape.Select((d, i) => i == axis ? 1 : d).ToArray()
            : x.Shape.Where((_, i) => i != axis).ToArray();
        return [new TensorInfo(DataType.Int64, shape)];
    }
}
