using KernelVision.Graph;
using KernelVision.Tensors;

namespace KernelVision.Ops.Elementwise;

/// <summary>
/// Sum: element-wise sum of one or more inputs of the same float type, numpy-broadcast together
/// (from opset 8; before that all inputs must have the same shape).
/// </summary>
[OnnxOp("Sum")]
public sealed class Sum : Op
{
    /// <summary>Binds the op to its node; legacy 'consumed_inputs' is ignored.</summary>
    public Sum(Node node, int opset) : base(node, opset) { }

    /// <inheritdoc/>
    public override TensorInfo[] InferOutputs(IReadOnlyList<TensorInfo?> inputs)
    {
        if (inputs.Count < 1) throw Fail("expects at least 1 input, got 0");
        var first = Input(inputs, 0);
        if (first.Type is not (DataType.Float32 or DataType.Float64))
            throw Unsupported($"input has type {first.Type.Name()}; supported: float32, float64");
        int[] shape = first.Shape;
        for (int i = 1; i < inputs.Count; i++)
        {
            var x = Input(inputs, i);
            if (x.Type != first.Type) throw Fail($"input {i} has type {x.Type.Name()}, expected {first.Type.Name()}");
            int[]? next = Opset >= 8 ? ShapeUtil.TryBroadcast(shape, x.Shape)
                : ShapeUtil.Same(shape, x.Shape) ? shape : null;
            shape = next ?? throw Fail($"input {i} of shape {ShapeUtil.Format(x.Shape)} cannot be broadcast with {ShapeUtil.Format(shape)}");
        }
        return [new TensorInfo(first.Type, shape)];
    }

    /// <inheritdoc/>
    public override long Flops(IReadOnlyList<TensorInfo?> inputs, IReadOnlyList<TensorInfo> outputs) =>
        outputs.Count > 0 ? (long)ShapeUtil.Size(outputs[0].Shape) * Math.Max(0, inputs.Count - 1) : 0;
}
