using KernelVision.Graph;
using KernelVision.Tensors;

namespace KernelVision.Ops.Layout;

/// <summary>
/// Dropout at inference: the output is the input and the optional mask is all "kept" (true; ones
/// of the input type before opset 10, when the mask had the data's type). Training mode
/// (opset 12+ 'training_mode' input true with a ratio above 0) is random and not supported.
/// Legacy 'is_test' (opset &lt; 7) and 'seed' are accepted and ignored.
/// </summary>
[OnnxOp("Dropout")]
public sealed class Dropout : Op
{
    /// <summary>The 'ratio' attribute (opset &lt; 12; default 0.5).</summary>
    public float RatioAttribute { get; }

    /// <summary>Parses 'ratio' before opset 12.</summary>
    public Dropout(Node node, int opset) : base(node, opset)
    {
        if (opset < 12)
        {
            RatioAttribute = Attributes.GetFloat("ratio", 0.5f);
            if (!(RatioAttribute >= 0 && RatioAttribute < 1)) throw Fail($"ratio {RatioAttribute} is outside [0, 1)");
        }
    }

    /// <summary>The mask's element type: bool from opset 10, the data's type before.</summary>
    public DataType MaskType(DataType data) => Opset >= 10 ? DataType.Bool : data;

    /// <summary>
    /// Throws <see cref="UnsupportedException"/> when the optional inputs ask for training-mode
    /// dropout with a ratio above 0. Called by shape inference (with constant inputs) and by kernels.
    /// </summary>
    public void CheckInferenceMode(Tensor? ratio, Tensor? trainingMode)
    {
        if (trainingMode is null || trainingMode.Length == 0 || trainingMode.GetDouble(0) == 0) return;
        double r = ratio is null || ratio.Length == 0 ? 0.5 : ratio.GetDouble(0);
        if (r != 0) throw Unsupported($"training-mode dropout (ratio {r}) is random and out of scope for an inference runtime");
    }

    /// <inheritdoc/>
    public override TensorInfo[] InferOutputs(IReadOnlyList<TensorInfo?> inputs)
    {
        ExpectInputs(inputs, 1, Opset < 12 ? 1 : 3);
        var x = Input(inputs, 0);
        var ratio = Optional(inputs, 1);
        var training = Optional(inputs, 2);
        if (ratio is not null && ShapeUtil.Size(ratio.Shape) != 1) throw Fail($"ratio must be a scalar, got {ratio}");
        if (ratio?.Value is { } rv && !(rv.GetDouble(0) >= 0 && rv.GetDouble(0) < 1)) throw Fail($"ratio {rv.GetDouble(0)} is outside [0, 1)");
        if (training is not null)
        {
            if (training.Type != DataType.Bool) throw Fail($"training_mode must be bool, got {training}");
            if (training.Value is { } tv)
            {
                // A known true with an unknown ratio cannot be proven harmless.
                if (tv.Length > 0 && tv.Bools[0] && ratio is not null && ratio.Value is null)
                    throw Unsupported("training-mode dropout with a ratio known only at run time is random and out of scope for an inference runtime");
                CheckInferenceMode(ratio?.Value, tv);
            }
        }
        var outs = new TensorInfo[Math.Max(1, Node.Outputs.Count)];
        outs[0] = new TensorInfo(x.Type, x.Shape);
        if (outs.Length > 1) outs[1] = new TensorInfo(MaskType(x.Type), x.Shape);
        if (outs.Length > 2) throw Fail($"expects at most 2 outputs, got {outs.Length}");
        return outs;
    }
}
