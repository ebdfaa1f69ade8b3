using KernelVision.Graph;
using KernelVision.Tensors;

namespace KernelVision.Ops.Neural;

/// <summary>
/// MaxPool: the largest value in each (dilated, padded) window; padding never wins. The optional
/// second output Indices (int64) holds the flat position of each maximum in X, batch and channel
/// offsets included, row-major over the spatial axes (storage_order 0) or column-major (1).
/// </summary>
[OnnxOp("MaxPool")]
public sealed class MaxPool : PoolOp
{
    /// <summary>0: Indices row-major over spatial axes; 1: column-major.</summary>
    public int StorageOrder { get; }

    /// <summary>Parses and validates the attributes.</summary>
    public MaxPool(Node node, int opset) : base(node, opset)
    {
        long order = Attributes.GetInt("storage_order", 0);
        if (order is not (0 or 1)) throw Fail($"storage_order {order} must be 0 or 1");
        StorageOrder = (int)order;
        if (node.Outputs.Count > 2) throw Fail($"has {node.Outputs.Count} outputs; at most 2 (Y, Indices)");
    }

    /// <inheritdoc/>
    public override TensorInfo[] InferOutputs(IReadOnlyList<TensorInfo?> inputs)
    {
        var (x, shape) = PooledShape(inputs);
        ExpectType(x, "input X", DataType.Float32, DataType.Float64, DataType.Int8, DataType.UInt8);
        var y = new TensorInfo(x.Type, shape);
        return Node.Outputs.Count > 1 ? [y, new TensorInfo(DataType.Int64, (int[])shape.Clone())] : [y];
    }
}
