using KernelVision.Graph;
using KernelVision.Tensors;

namespace KernelVision.Ops.Elementwise;

/// <summary>
/// PRelu: x for x ≥ 0, slope·x otherwise, with slope broadcast unidirectionally to x. Opset-6
/// models (PyTorch exports) give a per-channel slope of shape [C] against x of [N,C,...]; that
/// slope lines up with axis 1, not with the last axis as numpy broadcasting would put it.
/// </summary>
[OnnxOp("PRelu")]
public sealed class PRelu : Op
{
    /// <summary>Binds the op to its node; legacy 'consumed_inputs' is ignored.</summary>
    public PRelu(Node node, int opset) : base(node, opset) { }

    /// <summary>
    /// The shape to broadcast the slope with (numpy rules, right-aligned) against x. Equals the
    /// slope's own shape except for the opset-6 per-channel form, which becomes [C,1,...,1].
    /// </summary>
    public int[] AlignedSlopeShape(int[] xShape, int[] slopeShape)
    {
        if (Opset < 7 && slopeShape.Length == 1 && xShape.Length >= 2 && slopeShape[0] == xShape[1] && slopeShape[0] != 1)
        {
            var aligned = new int[xShape.Length - 1];
            Array.Fill(aligned, 1);
            aligned[0] = slopeShape[0];
            return aligned;
        }
        return slopeShape;
    }

    /// <inheritdoc/>
    public override TensorInfo[] InferOutputs(IReadOnlyList<TensorInfo?> inputs)
    {
        ExpectInputs(inputs, 2, 2);
        var x = Input(inputs, 0);
        var slope = Input(inputs, 1);
        if (!(x.Type is DataType.Float32 or DataType.Float64 || x.Type.IsInteger()))
            throw Unsupported($"input has type {x.Type.Name()}; supported: float32, float64, integer types");
        if (slope.Type != x.Type) throw Fail($"slope has type {slope.Type.Name()}, expected {x.Type.Name()} like the input");
        var aligned = AlignedSlopeShape(x.Shape, slope.Shape);
        var b = ShapeUtil.TryBroadcast(x.Shape, aligned);
        if (b is null || !ShapeUtil.Same(b, x.Shape))
            throw Fail($"slope of shape {ShapeUtil.Format(slope.Shape)} cannot be broadcast to input shape {ShapeUtil.Format(x.Shape)}");
        return [new TensorInfo(x.Type, x.Shape)];
    }
}
