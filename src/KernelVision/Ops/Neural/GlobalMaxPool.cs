using KernelVision.Graph;
using KernelVision.Tensors;

namespace KernelVision.Ops.Neural;

/// <summary>GlobalMaxPool: the maximum over all spatial positions of each (n, c) plane.</summary>
[OnnxOp("GlobalMaxPool")]
public sealed class GlobalMaxPool : GlobalPoolOp
{
    /// <summary>Binds the op to its node.</summary>
    public GlobalMaxPool(Node node, int opset) : base(node, opset) { }

    /// <inheritdoc/>
    protected override DataType[] AllowedTypes => [DataType.Float32, DataType.Float64];
}
