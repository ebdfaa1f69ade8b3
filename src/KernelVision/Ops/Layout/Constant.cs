using KernelVision.Graph;
using KernelVision.Tensors;

namespace KernelVision.Ops.Layout;

/// <summary>
/// Constant: outputs the tensor held in exactly one of its attributes — 'value', or (opset 12+)
/// 'value_float', 'value_floats', 'value_int', 'value_ints'. Sparse and string constants are not
/// supported. Shape inference returns the value so later shape arithmetic can fold.
/// </summary>
[OnnxOp("Constant")]
public sealed class Constant : Op
{
    /// <summary>The constant.</summary>
    public Tensor Value { get; }

    /// <summary>Reads the one value attribute.</summary>
    public Constant(Node node, int opset) : base(node, opset)
    {
        string[] names = ["value", "value_float", "value_floats", "value_int", "value_ints", "value_string", "value_strings", "sparse_value"];
        var given = names.Where(Attributes.Has).ToArray();
        if (given.Length != 1)
            throw Fail(given.Length == 0 ? "has no value attribute" : $"has several value attributes: {string.Join(", ", given)}");
        Value = given[0] switch
        {
            "value" => Attributes.GetTensor("value")!,
            "value_float" => Tensor.Scalar(Attributes.GetFloat("value_float", 0)),
            "value_floats" => Tensor.FromFloats([Attributes.GetFloats("value_floats")!.Length], (float[])Attributes.GetFloats("value_floats")!.Clone()),
            "value_int" => Tensor.FromInt64s([], [Attributes.GetInt("value_int")]),
            "value_ints" => Tensor.Vector((long[])Attributes.GetInts("value_ints")!.Clone()),
            "sparse_value" => throw Unsupported("sparse constants (sparse_value) are not supported"),
            _ => throw Unsupported($"string constants ({given[0]}) are not supported"),
        };
    }

    /// <inheritdoc/>
    public override TensorInfo[] InferOutputs(IReadOnlyList<TensorInfo?> inputs)
    {
        ExpectInputs(inputs, 0, 0);
        return [TensorInfo.Of(Value)];
    }
}
