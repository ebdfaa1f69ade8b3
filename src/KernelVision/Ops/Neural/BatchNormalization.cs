using KernelVision.Graph;
using KernelVision.Tensors;

namespace KernelVision.Ops.Neural;

/// <summary>
/// BatchNormalization, inference form: Y = scale·(X − mean)/√(var + ε) + B per channel, with the
/// stored running statistics; <see cref="TrainingMode"/> normalises with batch statistics instead.
/// Legacy attributes (is_test, consumed_inputs) are accepted and ignored;
/// opset &lt; 9 <c>spatial = 0</c> gives per-activation statistics shaped like X without N.
/// A fusion pass may set <see cref="Activation"/> (inference form only), which kernels apply to Y.
/// </summary>
[OnnxOp("BatchNormalization")]
public sealed class BatchNormalization : Op
{
    /// <summary>ε added to the variance.</summary>
    public float Epsilon { get; }

    /// <summary>True (default) when statistics are per channel; false when per activation (legacy spatial = 0).</summary>
    public bool Spatial { get; }

    /// <summary>
    /// training_mode = 1 (opset 14+): normalise with the batch's own mean and (population) variance and
    /// output the updated running statistics, input·momentum + batch·(1 − momentum). Deterministic, so
    /// it is supported even though an inference runtime rarely needs it.
    /// </summary>
    public bool TrainingMode { get; }

    /// <summary>Running-statistics momentum (training mode only).</summary>
    public float Momentum { get; }

    /// <summary>
    /// Activation applied to Y after the affine map (set by fusion; default none): DenseNet's
    /// pre-activation BN → ReLU then takes one pass over the tensor instead of two.
    /// </summary>
    public FusedActivation Activation { get; set; }

    /// <summary>Parses and validates the attributes.</summary>
    public BatchNormalization(Node node, int opset) : base(node, opset)
    {
        Epsilon = Attributes.GetFloat("epsilon", 1e-5f);
        if (!(Epsilon >= 0) || float.IsInfinity(Epsilon)) throw Fail($"epsilon {Epsilon} must be a finite non-negative number");
        long spatial = Attributes.GetInt("spatial", 1);
        if (spatial is not (0 or 1)) throw Fail($"spatial {spatial} must be 0 or 1");
        if (spatial == 0 && opset >= 9) throw Fail("attribute 'spatial' was removed in opset 9");
        Spatial = spatial == 1;
        long training = Attributes.GetInt("training_mode", 0);
        if (training is not (0 or 1)) throw Fail($"training_mode {training} must be 0 or 1");
        TrainingMode = training == 1;
        if (TrainingMode && !Spatial) throw Unsupported("training_mode = 1 with spatial = 0 is not supported");
        Momentum = Attributes.GetFloat("momentum", 0.9f);
        if (node.Outputs.Count > (TrainingMode ? 3 : 5)) throw Fail($"has {node.Outputs.Count} outputs; at most {(TrainingMode ? 3 : 5)}");
        if (!TrainingMode && node.Outputs.Skip(1).Any(o => o.Length > 0))
            throw Unsupported("the running/saved statistics outputs exist only in training mode (training_mode = 1)");
    }

    /// <inheritdoc/>
    public override TensorInfo[] InferOutputs(IReadOnlyList<TensorInfo?> inputs)
    {
        ExpectInputs(inputs, 5, 5);
        var x = Input(inputs, 0);
        ExpectType(x, "input X", DataType.Float32, DataType.Float64);
        if (x.Shape.Length < 2) throw Fail($"input X must have rank ≥ 2 (N, C, ...), got {ShapeUtil.Format(x.Shape)}");
        int[] expected = Spatial ? [x.Shape[1]] : x.Shape[1..];
        string[] names = ["scale", "B", "input_mean", "input_var"];
        for (int i = 1; i < 5; i++)
        {
            var p = Input(inputs, i);
            if (p.Type != x.Type) throw Fail($"{names[i - 1]} type {p.Type.Name()} differs from X type {x.Type.Name()}");
            if (!p.Shape.SequenceEqual(expected))
                throw Fail($"{names[i - 1]} must have shape {ShapeUtil.Format(expected)}, got {ShapeUtil.Format(p.Shape)}");
        }
        var result = new TensorInfo[Node.Outputs.Count];
        result[0] = new TensorInfo(x.Type, (int[])x.Shape.Clone());
        // Training mode: running_mean and running_var, one value per channel.
        for (int i = 1; i < result.Length; i++) result[i] = new TensorInfo(x.Type, (int[])expected.Clone());
        return result;
    }

    /// <summary>A multiply and an add per element once the statistics are folded into scale and shift.</summary>
    public override long Flops(IReadOnlyList<TensorInfo?> inputs, IReadOnlyList<TensorInfo> outputs)
    {
        long n = 1;
        foreach (int d in inputs[0]!.Shape) n *= d;
        return 2 * n;
    }
}
