using KernelVision.Graph;
using KernelVision.Tensors;

namespace KernelVision.Ops.Neural;

/// <summary>
/// AveragePool: the mean of each (dilated, padded) window. With count_include_pad = 0 the divisor
/// is the number of taps that fall on real input; with 1 it also counts taps on the explicit or
/// auto padding, but not those of a ceil_mode window hanging past the end padding (as PyTorch,
/// onnxruntime and the ONNX conformance data do).
/// </summary>
[OnnxOp("AveragePool")]
public sealed class AveragePool : PoolOp
{
    /// <summary>True when padded taps count in the divisor.</summary>
    public bool CountIncludePad { get; }

    /// <summary>Parses and validates the attributes.</summary>
    public AveragePool(Node node, int opset) : base(node, opset)
    {
        long include = Attributes.GetInt("count_include_pad", 0);
        if (include is not (0 or 1)) throw Fail($"count_include_pad {include} must be 0 or 1");
        CountIncludePad = include == 1;
    }

    /// <inheritdoc/>
    public override TensorInfo[] InferOutputs(IReadOnlyList<TensorInfo?> inputs)
    {
        var (x, shape) = PooledShape(inputs);
        ExpectType(x, "input X", DataType.Float32, DataType.Float64);
        return [new TensorInfo(x.Type, shape)];
    }
}
