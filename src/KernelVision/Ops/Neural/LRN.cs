using KernelVision.Graph;
using KernelVision.Tensors;

namespace KernelVision.Ops.Neural;

/// <summary>
/// LRN (local response normalisation across channels): Y = X / (bias + α/size · Σ X²)^β, the sum
/// over channels [c − ⌊(size−1)/2⌋, c + ⌈(size−1)/2⌉] clipped to the valid range.
/// </summary>
[OnnxOp("LRN")]
public sealed class LRN : Op
{
    /// <summary>Scale α of the squared sum.</summary>
    public float Alpha { get; }

    /// <summary>Exponent β.</summary>
    public float Beta { get; }

    /// <summary>Additive bias (ONNX calls it bias; k in the AlexNet paper).</summary>
    public float Bias { get; }

    /// <summary>Number of channels summed over (≥ 1).</summary>
    public int Size { get; }

    /// <summary>Parses and validates the attributes.</summary>
    public LRN(Node node, int opset) : base(node, opset)
    {
        Alpha = Attributes.GetFloat("alpha", 1e-4f);
        Beta = Attributes.GetFloat("beta", 0.75f);
        Bias = Attributes.GetFloat("bias", 1f);
        Size = Attributes.GetInt32("size", 0);
        if (!Attributes.Has("size")) throw Fail("required attribute 'size' is missing");
        if (Size < 1) throw Fail($"size {Size} must be at least 1");
    }

    /// <inheritdoc/>
    public override TensorInfo[] InferOutputs(IReadOnlyList<TensorInfo?> inputs)
    {
        ExpectInputs(inputs, 1, 1);
        var x = Input(inputs, 0);
        ExpectType(x, "input X", DataType.Float32, DataType.Float64);
        if (x.Shape.Length < 3) throw Fail($"input X must have rank ≥ 3 (N, C, spatial...), got {ShapeUtil.Format(x.Shape)}");
        return [new TensorInfo(x.Type, (int[])x.Shape.Clone())];
    }

    /// <summary>A multiply-add per summed channel plus the power and divide, per element.</summary>
    public override long Flops(IReadOnlyList<TensorInfo?> inputs, IReadOnlyList<TensorInfo> outputs)
    {
        long n = 1;
        foreach (int d in inputs[0]!.Shape) n *= d;
        return n * (2L * Size + 3);
    }
}
