using KernelVision.Graph;
using KernelVision.Tensors;

namespace KernelVision.Ops.Neural;

/// <summary>GlobalAveragePool: the mean over all spatial positions of each (n, c) plane.</summary>
[OnnxOp("GlobalAveragePool")]
public sealed class GlobalAveragePool : GlobalPoolOp
{
    /// <summary>Binds the op to its node.</summary>
    public GlobalAveragePool(Node node, int opset) : base(node, opset) { }

    /// <inheritdoc/>
    protected override DataType[] AllowedTypes => [DataType.Float32, DataType.Float64];
}
