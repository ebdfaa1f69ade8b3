using KernelVision.Graph;
using KernelVision.Tensors;

namespace KernelVision.Ops.Neural;

/// <summary>Base of GlobalAveragePool and GlobalMaxPool: X [N, C, D1..Dn] reduces to [N, C, 1..1].</summary>
public abstract class GlobalPoolOp : Op
{
    /// <summary>Binds the op to its node.</summary>
    protected GlobalPoolOp(Node node, int opset) : base(node, opset) { }

    /// <summary>Element types the op accepts.</summary>
    protected abstract DataType[] AllowedTypes { get; }

    /// <inheritdoc/>
    public override TensorInfo[] InferOutputs(IReadOnlyList<TensorInfo?> inputs)
    {
        ExpectInputs(inputs, 1, 1);
        var x = Input(inputs, 0);
        ExpectType(x, "input X", AllowedTypes);
        if (x.Shape.Length < 3) throw Fail($"input X must have rank ≥ 3 (N, C, spatial...), got {ShapeUtil.Format(x.Shape)}");
        var shape = (int[])x.Shape.Clone();
        for (int i = 2; i < shape.Length; i++) shape[i] = 1;
        return [new TensorInfo(x.Type, shape)];
    }

    /// <summary>One operation per input element.</summary>
    public override long Flops(IReadOnlyList<TensorInfo?> inputs, IReadOnlyList<TensorInfo> outputs)
    {
        long n = 1;
        foreach (int d in inputs[0]!.Shape) n *= d;
        return n;
    }
}
