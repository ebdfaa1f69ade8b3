using KernelVision.Graph;
using KernelVision.Tensors;

namespace KernelVision.Ops.Neural;

/// <summary>
/// AveragePool: the mean of each (dilated, padded) window. With count_include_pad = 0 the divisor
/// is the number of taps that fall on real input; with 1 it is the full kernel size (every tap,
/// padding and ceil_mode overhang included, as the ONNX reference implementation computes it).
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
