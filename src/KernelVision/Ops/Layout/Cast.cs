using KernelVision.Graph;
using KernelVision.Tensors;

namespace KernelVision.Ops.Layout;

/// <summary>
/// Cast: converts element types. PyTorch exports use it in shape arithmetic (int64 ↔ float for
/// sizes), which constant folding then removes; between float and integer types values truncate
/// toward zero and wrap to the target width, as numpy's astype does.
/// </summary>
[OnnxOp("Cast")]
public sealed class Cast : Op
{
    /// <summary>Target element type.</summary>
    public DataType To { get; }

    /// <summary>Parses and validates the <c>to</c> attribute.</summary>
    public Cast(Node node, int opset) : base(node, opset)
    {
        var a = Attributes.Find("to") ?? throw Fail("required attribute 'to' is missing");
        To = a.Kind switch
        {
            AttributeKind.Int => (DataType)a.Int,
            // Opset 1 named the type as a string ("FLOAT", "INT64", ...).
            AttributeKind.String => Enum.TryParse<DataType>(a.String.Replace("FLOAT", "Float32", StringComparison.OrdinalIgnoreCase)
                .Replace("DOUBLE", "Float64", StringComparison.OrdinalIgnoreCase), true, out var t) ? t : throw Fail($"unknown type '{a.String}' in 'to'"),
            _ => throw Fail("attribute 'to' must be an int"),
        };
        if (!To.IsSupported()) throw Unsupported($"casting to {To.Name()} is not supported");
    }

    /// <inheritdoc/>
    public override TensorInfo[] InferOutputs(IReadOnlyList<TensorInfo?> inputs)
    {
        ExpectInputs(inputs, 1, 1);
        var x = Input(inputs, 0);
        if (!x.Type.IsSupported()) throw Unsupported($"casting from {x.Type.Name()} is not supported");
        return [new TensorInfo(To, x.Shape)];
    }
}
