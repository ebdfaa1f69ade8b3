using KernelVision.Graph;
using KernelVision.Tensors;

namespace KernelVision.Ops.Elementwise;

/// <summary>
/// Softmax and LogSoftmax. From opset 13 they normalise along 'axis' (default −1). Before opset
/// 13 the input is viewed as a 2-D matrix [prod(dims before axis), prod(dims from axis)] (default
/// axis 1) and each row is normalised over all of its trailing dims together.
/// </summary>
[OnnxOp("Softmax")]
[OnnxOp("LogSoftmax")]
public sealed class Softmax : Op
{
    /// <summary>True for LogSoftmax (output log of the probabilities).</summary>
    public bool IsLog { get; }

    /// <summary>The 'axis' attribute as given (may be negative).</summary>
    public long Axis { get; }

    /// <summary>True before opset 13: normalise over the flattened dims from <see cref="Axis"/> on.</summary>
    public bool CoerceTo2D { get; }

    /// <summary>Parses 'axis'.</summary>
    public Softmax(Node node, int opset) : base(node, opset)
    {
        IsLog = node.OpType == "LogSoftmax";
        CoerceTo2D = opset < 13;
        Axis = Attributes.GetInt("axis", CoerceTo2D ? 1 : -1);
    }

    /// <summary>
    /// How a tensor of <paramref name="shape"/> splits into independent softmax problems: for each of
    /// <c>Outer</c>·<c>Inner</c> lines, <c>Length</c> elements <c>Inner</c> apart are normalised together.
    /// </summary>
    public (int Outer, int Length, int Inner) Layout(int[] shape)
    {
        int axis = NormalizeAxis(Axis, shape.Length);
        int outer = ShapeUtil.Product(shape, 0, axis);
        if (CoerceTo2D) return (outer, ShapeUtil.Product(shape, axis, shape.Length), 1);
        return (outer, shape[axis], ShapeUtil.Product(shape, axis + 1, shape.Length));
    }

    /// <inheritdoc/>
    public override TensorInfo[] InferOutputs(IReadOnlyList<TensorInfo?> inputs)
    {
        ExpectInputs(inputs, 1, 1);
        var x = Input(inputs, 0);
        if (x.Type is not (DataType.Float32 or DataType.Float64))
            throw Unsupported($"input has type {x.Type.Name()}; supported: float32, float64");
        if (x.Shape.Length == 0) throw Fail("input must have rank ≥ 1");
        NormalizeAxis(Axis, x.Shape.Length);
        return [new TensorInfo(x.Type, x.Shape)];
    }

    /// <summary>About 3 operations (exp, sum, divide) per element.</summary>
    public override long Flops(IReadOnlyList<TensorInfo?> inputs, IReadOnlyList<TensorInfo> outputs) =>
        outputs.Count > 0 ? 3L * ShapeUtil.Size(outputs[0].Shape) : 0;
}
