using KernelVision.Graph;
using KernelVision.Tensors;

namespace KernelVision.Ops.Neural;

/// <summary>
/// LayerNormalization (opset 17; ConvNeXt, vision transformers): X is viewed as [outer, inner]
/// with inner = the product of the dimensions from <see cref="Axis"/> on; each row is normalised
/// by its own mean and population variance, then scaled and shifted elementwise:
/// Y = (X − μ)/√(σ² + ε)·Scale + B, with Scale and B broadcast to the normalised dimensions.
/// The optional outputs Mean and InvStdDev have X's shape with the normalised dimensions set to 1.
/// </summary>
[OnnxOp("LayerNormalization")]
public sealed class LayerNormalization : Op
{
    /// <summary>The first normalised dimension, as given (may be negative; see <see cref="NormalizedAxis"/>).</summary>
    public long Axis { get; }

    /// <summary>ε added to the variance.</summary>
    public float Epsilon { get; }

    /// <summary>The type of Mean and InvStdDev: float32 (stash_type 1, the default) or float64 (11).</summary>
    public DataType StashType { get; }

    /// <summary>Parses and validates the attributes.</summary>
    public LayerNormalization(Node node, int opset) : base(node, opset)
    {
        Axis = Attributes.GetInt("axis", -1);
        Epsilon = Attributes.GetFloat("epsilon", 1e-5f);
        if (!(Epsilon >= 0) || float.IsInfinity(Epsilon)) throw Fail($"epsilon {Epsilon} must be a finite non-negative number");
        long stash = Attributes.GetInt("stash_type", 1);
        StashType = stash switch
        {
            1 => DataType.Float32,
            11 => DataType.Float64,
            _ => throw Unsupported($"stash_type {stash} is not supported (1: float32, 11: float64)"),
        };
        if (node.Outputs.Count is < 1 or > 3) throw Fail($"expects 1 to 3 outputs (Y, Mean, InvStdDev), got {node.Outputs.Count}");
    }

    /// <summary>The first normalised dimension of an input of rank <paramref name="rank"/>, in [0, rank).</summary>
    public int NormalizedAxis(int rank) => NormalizeAxis(Axis, rank);

    /// <summary>X as [outer, inner]: rows before the axis, normalised elements per row.</summary>
    public (int Outer, int Inner) Rows(int[] x)
    {
        int axis = NormalizedAxis(x.Length);
        return (ShapeUtil.Product(x, 0, axis), ShapeUtil.Product(x, axis, x.Length));
    }

    /// <inheritdoc/>
    public override TensorInfo[] InferOutputs(IReadOnlyList<TensorInfo?> inputs)
    {
        ExpectInputs(inputs, 2, 3);
        var x = Input(inputs, 0);
        ExpectType(x, "input X", DataType.Float32, DataType.Float64);
        if (x.Shape.Length < 1) throw Fail("input X must have rank ≥ 1");
        int axis = NormalizedAxis(x.Shape.Length);
        var normalized = x.Shape[axis..];
        Input(inputs, 1); // Scale is required; only B may be omitted
        string[] names = ["Scale", "B"];
        for (int i = 1; i < inputs.Count; i++)
        {
            if (inputs[i] is not { } p) continue; // B is optional
            if (p.Type != x.Type) throw Fail($"{names[i - 1]} type {p.Type.Name()} differs from X type {x.Type.Name()}");
            // Broadcast to the normalised dimensions, numpy style (trailing dimensions equal or 1).
            if (p.Shape.Length > normalized.Length)
                throw Fail($"{names[i - 1]} {ShapeUtil.Format(p.Shape)} has more dimensions than the normalised part {ShapeUtil.Format(normalized)} of X");
            for (int d = 1; d <= p.Shape.Length; d++)
                if (p.Shape[^d] != 1 && p.Shape[^d] != normalized[^d])
                    throw Fail($"{names[i - 1]} {ShapeUtil.Format(p.Shape)} does not broadcast to the normalised part {ShapeUtil.Format(normalized)} of X");
        }
        var stats = (int[])x.Shape.Clone();
        for (int d = axis; d < stats.Length; d++) stats[d] = 1;
        var outs = new TensorInfo[Node.Outputs.Count];
        outs[0] = new TensorInfo(x.Type, (int[])x.Shape.Clone());
        for (int o = 1; o < outs.Length; o++) outs[o] = new TensorInfo(StashType, (int[])stats.Clone());
        return outs;
    }

    /// <summary>
    /// The offset of element <paramref name="i"/> of a normalised row in a Scale or B of shape
    /// <paramref name="param"/> broadcast to <paramref name="normalized"/> (kernels precompute this once per plan).
    /// </summary>
    public static int BroadcastIndex(int i, int[] normalized, int[] param)
    {
        int offset = 0, stride = 1;
        for (int d = 1; d <= normalized.Length; d++)
        {
            int coord = i % normalized[^d];
            i /= normalized[^d];
            if (d <= param.Length)
            {
                if (param[^d] != 1) offset += coord * stride;
                stride *= param[^d];
            }
        }
        return offset;
    }

    /// <summary>Mean, variance and the affine step: about six operations per element.</summary>
    public override long Flops(IReadOnlyList<TensorInfo?> inputs, IReadOnlyList<TensorInfo> outputs)
    {
        long n = 1;
        foreach (int d in inputs[0]!.Shape) n *= d;
        return 6 * n;
    }
}
