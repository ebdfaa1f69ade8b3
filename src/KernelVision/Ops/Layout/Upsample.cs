using KernelVision.Graph;
using KernelVision.Tensors;

namespace KernelVision.Ops.Layout;

/// <summary>
/// Upsample (opsets 7-9, deprecated by Resize): nearest or N-linear upsampling by per-axis scales ≥ 1, given as
/// the 'scales' attribute before opset 9 and as the second input from opset 9. It is Resize with asymmetric
/// coordinates (x / scale) and nearest rounding down.
/// </summary>
[OnnxOp("Upsample")]
public sealed class Upsample : Op
{
    /// <summary>The sampling rule (asymmetric coordinates; nearest floors).</summary>
    public ResizeSampling Sampling { get; }

    /// <summary>Scales from the attribute (opset 7-8); null from opset 9, where they are an input.</summary>
    public float[]? ScalesAttribute { get; }

    /// <summary>Parses and validates the attributes.</summary>
    public Upsample(Node node, int opset) : base(node, opset)
    {
        if (opset < 7) throw Unsupported($"Upsample of opset {opset} (height_scale/width_scale form) is not supported");
        string modeName = Attributes.GetString("mode", "nearest");
        var mode = modeName switch
        {
            "nearest" => ResizeMode.Nearest,
            "linear" or "bilinear" => ResizeMode.Linear,
            _ => throw Unsupported($"mode '{modeName}' is not supported"),
        };
        Sampling = new ResizeSampling(mode, ResizeCoordinateMode.Asymmetric, ResizeNearestMode.Legacy);
        if (opset < 9)
        {
            ScalesAttribute = Attributes.GetFloats("scales") ?? throw Fail("required attribute 'scales' is missing");
            CheckScales(ScalesAttribute);
        }
    }

    /// <inheritdoc/>
    public override TensorInfo[] InferOutputs(IReadOnlyList<TensorInfo?> inputs)
    {
        ExpectInputs(inputs, Opset < 9 ? 1 : 2, Opset < 9 ? 1 : 2);
        var x = Input(inputs, 0);
        ExpectType(x, "input X", DataType.Float32, DataType.Float64, DataType.UInt8, DataType.Int8, DataType.UInt16,
            DataType.Int16, DataType.Int32, DataType.Int64, DataType.UInt32, DataType.UInt64);
        if (x.Type.IsInteger() && Sampling.Mode != ResizeMode.Nearest)
            throw Unsupported($"mode linear on {x.Type.Name()} input is not supported (only nearest)");
        Tensor? scales = null;
        if (Opset >= 9)
        {
            var s = Input(inputs, 1);
            ExpectType(s, "scales", DataType.Float32, DataType.Float64);
            scales = RequireValue(inputs, 1);
        }
        return [new TensorInfo(x.Type, Plan(x.Shape, scales).OutputShape)];
    }

    /// <inheritdoc/>
    public override long Flops(IReadOnlyList<TensorInfo?> inputs, IReadOnlyList<TensorInfo> outputs)
    {
        if (inputs.Count == 0 || inputs[0] is null) return 0;
        var scales = Opset >= 9 ? Optional(inputs, 1)?.Value : null;
        if (Opset >= 9 && scales is null) return 0;
        return Plan(inputs[0]!.Shape, scales).Flops();
    }

    /// <summary>The plan for one run: <paramref name="scales"/> is the scales input (opset 9), ignored before.</summary>
    public ResizePlan Plan(int[] inputShape, Tensor? scales)
    {
        float[] values = ScalesAttribute ?? (scales ?? throw Fail("input 'scales' is required")).ToFloatArray();
        if (Opset >= 9)
        {
            if (scales!.Rank != 1) throw Fail($"scales must be 1-D, got {scales.Describe()}");
            CheckScales(values);
        }
        int rank = inputShape.Length;
        if (values.Length != rank) throw Fail($"scales has {values.Length} values but X has rank {rank}");
        var outShape = new int[rank];
        var scale = new double[rank];
        var lengths = new double[rank];
        for (int d = 0; d < rank; d++)
        {
            float product = inputShape[d] * values[d];
            if (product >= ShapeUtil.MaxElements) throw Fail($"scale {values[d]} makes axis {d} too large");
            outShape[d] = (int)MathF.Floor(product);
            scale[d] = values[d];
            lengths[d] = inputShape[d] * (double)values[d];
        }
        ShapeUtil.Size(outShape);
        return new ResizePlan(Sampling, inputShape, outShape, scale, lengths, null);
    }

    /// <summary>The plan for the run-time inputs of an Upsample node.</summary>
    public ResizePlan Plan(IReadOnlyList<Tensor?> inputs) =>
        Plan(inputs[0]!.Shape, Opset >= 9 && inputs.Count > 1 ? inputs[1] : null);

    private void CheckScales(float[] scales)
    {
        foreach (float s in scales)
            if (!(s >= 1) || !float.IsFinite(s)) throw Fail($"scales must be finite and ≥ 1, got {s}");
    }
}
