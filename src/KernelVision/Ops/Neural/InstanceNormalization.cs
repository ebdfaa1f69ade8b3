using KernelVision.Graph;
using KernelVision.Tensors;

namespace KernelVision.Ops.Neural;

/// <summary>
/// InstanceNormalization: each (n, c) plane is normalised by its own mean and (population)
/// variance, then scaled and shifted per channel: Y = scale·(X − μ)/√(σ² + ε) + B.
/// </summary>
[OnnxOp("InstanceNormalization")]
public sealed class InstanceNormalization : Op
{
    /// <summary>ε added to the variance.</summary>
    public float Epsilon { get; }

    /// <summary>Parses and validates the attributes.</summary>
    public InstanceNormalization(Node node, int opset) : base(node, opset)
    {
        Epsilon = Attributes.GetFloat("epsilon", 1e-5f);
        if (!(Epsilon >= 0) || float.IsInfinity(Epsilon)) throw Fail($"epsilon {Epsilon} must be a finite non-negative number");
    }

    /// <inheritdoc/>
    public override TensorInfo[] InferOutputs(IReadOnlyList<TensorInfo?> inputs)
    {
        ExpectInputs(inputs, 3, 3);
        var x = Input(inputs, 0);
        ExpectType(x, "input X", DataType.Float32, DataType.Float64);
        if (x.Shape.Length < 3) throw Fail($"input X must have rank ≥ 3 (N, C, spatial...), got {ShapeUtil.Format(x.Shape)}");
        int c = x.Shape[1];
        string[] names = ["scale", "B"];
        for (int i = 1; i < 3; i++)
        {
            var p = Input(inputs, i);
            if (p.Type != x.Type) throw Fail($"{names[i - 1]} type {p.Type.Name()} differs from X type {x.Type.Name()}");
            if (p.Shape.Length != 1 || p.Shape[0] != c) throw Fail($"{names[i - 1]} must have shape [{c}], got {ShapeUtil.Format(p.Shape)}");
        }
        return [new TensorInfo(x.Type, (int[])x.Shape.Clone())];
    }

    /// <summary>Mean, variance and the affine step: about five operations per element.</summary>
    public override long Flops(IReadOnlyList<TensorInfo?> inputs, IReadOnlyList<TensorInfo> outputs)
    {
        long n = 1;
        foreach (int d in inputs[0]!.Shape) n *= d;
        return 5 * n;
    }
}
