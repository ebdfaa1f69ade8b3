using KernelVision.Graph;
using KernelVision.Tensors;

namespace KernelVision.Ops.Layout;

/// <summary>
/// Unsqueeze: inserts size-1 dimensions at the listed axes, which index the OUTPUT (so negative
/// axes count from the end of the output). Axes are an attribute before opset 13, an input after.
/// </summary>
[OnnxOp("Unsqueeze")]
public sealed class Unsqueeze : Op
{
    /// <summary>The 'axes' attribute (opset &lt; 13), else null.</summary>
    public long[]? AxesAttribute { get; }

    /// <summary>Parses 'axes' before opset 13.</summary>
    public Unsqueeze(Node node, int opset) : base(node, opset)
    {
        if (opset < 13) AxesAttribute = Attributes.GetInts("axes") ?? throw Fail("required attribute 'axes' is missing");
    }

    /// <summary>The output shape for an input of <paramref name="shape"/>; <paramref name="axesInput"/> is input 1 (opset 13+).</summary>
    public int[] Resolve(int[] shape, Tensor? axesInput)
    {
        long[] axes = AxesAttribute ?? LayoutUtil.Ints(Node, axesInput ?? throw Fail("input 1 (axes) is required"), "axes");
        int rank = shape.Length + axes.Length;
        var inserted = LayoutUtil.Axes(Node, axes, rank);
        var result = new int[rank];
        int next = 0;
        for (int d = 0; d < rank; d++)
            result[d] = inserted.Contains(d) ? 1 : shape[next++];
        return result;
    }

    /// <inheritdoc/>
    public override TensorInfo[] InferOutputs(IReadOnlyList<TensorInfo?> inputs)
    {
        ExpectInputs(inputs, Opset < 13 ? 1 : 2, Opset < 13 ? 1 : 2);
        var x = Input(inputs, 0);
        return [new TensorInfo(x.Type, Resolve(x.Shape, Opset < 13 ? null : RequireValue(inputs, 1)))];
    }
}
