using KernelVision.Graph;
using KernelVision.Tensors;

namespace KernelVision.Ops.Layout;

/// <summary>
/// Squeeze: removes size-1 dimensions — the listed axes (attribute before opset 13, optional input
/// after), or every size-1 dimension when none are listed.
/// </summary>
[OnnxOp("Squeeze")]
public sealed class Squeeze : Op
{
    /// <summary>The 'axes' attribute (opset &lt; 13), else null.</summary>
    public long[]? AxesAttribute { get; }

    /// <summary>Parses 'axes' before opset 13.</summary>
    public Squeeze(Node node, int opset) : base(node, opset)
    {
        if (opset < 13) AxesAttribute = Attributes.GetInts("axes");
    }

    /// <summary>The output shape for an input of <paramref name="shape"/>; <paramref name="axesInput"/> is input 1 (opset 13+).</summary>
    public int[] Resolve(int[] shape, Tensor? axesInput)
    {
        long[]? axes = Opset < 13 ? AxesAttribute : axesInput is null ? null : LayoutUtil.Ints(Node, axesInput, "axes");
        if (axes is null) return shape.Where(d => d != 1).ToArray();
        var drop = LayoutUtil.Axes(Node, axes, shape.Length);
        foreach (int a in drop)
            if (shape[a] != 1) throw Fail($"cannot squeeze axis {a} of {ShapeUtil.Format(shape)}: its size is not 1");
        return shape.Where((_, i) => !drop.Contains(i)).ToArray();
    }

    /// <inheritdoc/>
    public override TensorInfo[] InferOutputs(IReadOnlyList<TensorInfo?> inputs)
    {
        ExpectInputs(inputs, 1, Opset < 13 ? 1 : 2);
        var x = Input(inputs, 0);
        return [new TensorInfo(x.Type, Resolve(x.Shape, Opset < 13 ? null : LayoutUtil.OptionalValue(inputs, 1)))];
    }
}
