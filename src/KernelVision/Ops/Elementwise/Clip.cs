using KernelVision.Graph;
using KernelVision.Tensors;

namespace KernelVision.Ops.Elementwise;

/// <summary>
/// Clip: min(max(x, lo), hi). Before opset 11 the bounds are float attributes 'min'/'max'; from
/// opset 11 they are optional scalar inputs 1 and 2 (same type as x; integers allowed from 12).
/// As in numpy, lo &gt; hi yields hi everywhere.
/// </summary>
[OnnxOp("Clip")]
public sealed class Clip : Op, IFusibleActivation
{
    /// <summary>True from opset 11: the bounds are inputs 1 and 2, not attributes.</summary>
    public bool BoundsAreInputs { get; }

    /// <summary>Lower bound attribute (opset &lt; 11); default is float32's lowest value as in ONNX.</summary>
    public float MinAttribute { get; } = float.MinValue;

    /// <summary>Upper bound attribute (opset &lt; 11); default is float32's largest value as in ONNX.</summary>
    public float MaxAttribute { get; } = float.MaxValue;

    /// <summary>Parses 'min'/'max' (opset &lt; 11).</summary>
    public Clip(Node node, int opset) : base(node, opset)
    {
        BoundsAreInputs = opset >= 11;
        if (!BoundsAreInputs)
        {
            MinAttribute = Attributes.GetFloat("min", float.MinValue);
            MaxAttribute = Attributes.GetFloat("max", float.MaxValue);
            if (float.IsNaN(MinAttribute) || float.IsNaN(MaxAttribute)) throw Fail("min and max must not be NaN");
        }
    }

    /// <inheritdoc/>
    public override TensorInfo[] InferOutputs(IReadOnlyList<TensorInfo?> inputs)
    {
        ExpectInputs(inputs, 1, BoundsAreInputs ? 3 : 1);
        var x = Input(inputs, 0);
        bool intsAllowed = Opset >= 12;
        if (!(x.Type is DataType.Float32 or DataType.Float64 || intsAllowed && x.Type.IsInteger()))
            throw Unsupported($"input has type {x.Type.Name()}; supported: float32, float64{(intsAllowed ? ", integer types" : "")}");
        for (int i = 1; i < inputs.Count; i++)
        {
            var b = inputs[i];
            if (b is null) continue;
            string what = i == 1 ? "min" : "max";
            if (b.Type != x.Type) throw Fail($"{what} has type {b.Type.Name()}, expected {x.Type.Name()} like the input");
            if (ShapeUtil.Size(b.Shape) != 1 || b.Shape.Length > 1) throw Fail($"{what} must be a scalar, got shape {ShapeUtil.Format(b.Shape)}");
        }
        return [new TensorInfo(x.Type, x.Shape)];
    }

    /// <summary>Fusible when the input is float32 and the bounds are attributes or constant inputs.</summary>
    public FusedActivation? AsFused(IReadOnlyList<TensorInfo?> inputs)
    {
        if (inputs.Count == 0 || inputs[0]?.Type != DataType.Float32) return null;
        if (!BoundsAreInputs) return new FusedActivation(ActivationKind.Clip, MinAttribute, MaxAttribute);
        float lo = float.NegativeInfinity, hi = float.PositiveInfinity;
        var min = Optional(inputs, 1);
        var max = Optional(inputs, 2);
        if (min is not null)
        {
            if (!IsScalarFloat(min.Value)) return null;
            lo = (float)min.Value!.GetDouble(0);
        }
        if (max is not null)
        {
            if (!IsScalarFloat(max.Value)) return null;
            hi = (float)max.Value!.GetDouble(0);
        }
        return new FusedActivation(ActivationKind.Clip, lo, hi);
    }

    // The fusion pass sees raw constants, before InferOutputs has checked them: a bound that is not a
    // one-element float32 tensor is left to the unfused op, which refuses it with the node named.
    private static bool IsScalarFloat(Tensor? t) => t is { Type: DataType.Float32, Length: 1, Rank: <= 1 };
}
