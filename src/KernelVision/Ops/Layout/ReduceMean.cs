using KernelVision.Graph;
using KernelVision.Tensors;

namespace KernelVision.Ops.Layout;

/// <summary>
/// ReduceMean: the mean over the given axes ('axes' attribute before opset 18, optional input
/// from 18). No axes means all axes — unless 'noop_with_empty_axes' (opset 18+) is set, when the
/// input passes through. 'keepdims' keeps reduced axes as size 1.
/// </summary>
[OnnxOp("ReduceMean")]
public sealed class ReduceMean : Op
{
    /// <summary>The 'axes' attribute (opset &lt; 18), else null.</summary>
    public long[]? AxesAttribute { get; }
    /// <summary>Keep reduced axes as size 1 (default true).</summary>
    public bool KeepDims { get; }
    /// <summary>With no axes, pass the input through instead of reducing everything (opset 18+).</summary>
    public bool NoopWithEmptyAxes { get; }

    /// <summary>Parses 'axes', 'keepdims', 'noop_with_empty_axes'.</summary>
    public ReduceMean(Node node, int opset) : base(node, opset)
    {
        if (opset < 18) AxesAttribute = Attributes.GetInts("axes");
        long keep = Attributes.GetInt("keepdims", 1);
        long noop = Attributes.GetInt("noop_with_empty_axes", 0);
        if (keep is not (0 or 1)) throw Fail($"keepdims must be 0 or 1, got {keep}");
        if (noop is not (0 or 1)) throw Fail($"noop_with_empty_axes must be 0 or 1, got {noop}");
        KeepDims = keep == 1;
        NoopWithEmptyAxes = noop == 1;
    }

    /// <summary>
    /// Which axes of an input of <paramref name="rank"/> are reduced (true = reduced);
    /// <paramref name="axesInput"/> is input 1 (opset 18+).
    /// </summary>
    public bool[] ResolveAxes(int rank, Tensor? axesInput)
    {
        long[]? axes = Opset < 18 ? AxesAttribute : axesInput is null ? null : LayoutUtil.Ints(Node, axesInput, "axes");
        var reduced = new bool[rank];
        if (axes is null || axes.Length == 0)
        {
            if (!NoopWithEmptyAxes) Array.Fill(reduced, true);
            return reduced;
        }
        foreach (int a in LayoutUtil.Axes(Node, axes, rank)) reduced[a] = true;
        return reduced;
    }

    /// <summary>Output shape for an input of <paramref name="shape"/> reducing <paramref name="reduced"/>.</summary>
    public int[] OutputShape(int[] shape, bool[] reduced) => KeepDims
        ? shape.Select((d, i) => reduced[i] ? 1 : d).ToArray()
        : shape.Where((_, i) => !reduced[i]).ToArray();

    /// <inheritdoc/>
    public override TensorInfo[] InferOutputs(IReadOnlyList<TensorInfo?> inputs)
    {
        ExpectInputs(inputs, 1, Opset < 18 ? 1 : 2);
        var x = Input(inputs, 0);
        if (x.Type == DataType.Bool) throw Unsupported($"ReduceMean of {x} is not supported");
        var reduced = ResolveAxes(x.Shape.Length, Opset < 18 ? null : LayoutUtil.OptionalValue(inputs, 1));
        return [new TensorInfo(x.Type, OutputShape(x.Shape, reduced))];
    }

    /// <inheritdoc/>
    public override long Flops(IReadOnlyList<TensorInfo?> inputs, IReadOnlyList<TensorInfo> outputs) =>
        inputs.Count > 0 && inputs[0] is { } x ? ShapeUtil.Size(x.Shape) : 0;
}
