using KernelVision.Graph;

namespace KernelVision.Ops.Layout;

/// <summary>Identity: output equals input (any type).</summary>
[OnnxOp("Identity")]
public sealed class Identity : Op
{
    /// <summary>Binds the op to its node.</summary>
    public Identity(Node node, int opset) : base(node, opset) { }

    /// <inheritdoc/>
    public override TensorInfo[] InferOutputs(IReadOnlyList<TensorInfo?> inputs)
    {
        ExpectInputs(inputs, 1, 1);
        var x = Input(inputs, 0);
        return [x with { Value = null }];
    }
}
