using KernelVision.Graph;
using KernelVision.Tensors;

namespace KernelVision.Ops.Elementwise;

/// <summary>
/// Base of ops that map each element of one input to one output element of the same type and shape
/// (activations and math functions). Only the value rule differs between them.
/// </summary>
public abstract class UnaryElementwiseOp : Op
{
    /// <summary>Binds the op to its node.</summary>
    protected UnaryElementwiseOp(Node node, int opset) : base(node, opset) { }

    /// <summary>True where the op is also defined on integer tensors (Relu); float-only otherwise.</summary>
    public virtual bool AcceptsIntegers => false;

    /// <inheritdoc/>
    public override TensorInfo[] InferOutputs(IReadOnlyList<TensorInfo?> inputs)
    {
        ExpectInputs(inputs, 1, 1);
        var x = Input(inputs, 0);
        if (!(x.Type is DataType.Float32 or DataType.Float64 || AcceptsIntegers && x.Type.IsInteger()))
            throw Unsupported($"input has type {x.Type.Name()}; supported: float32, float64{(AcceptsIntegers ? ", integer types" : "")}");
        return [new TensorInfo(x.Type, x.Shape)];
    }
}

/// <summary>
/// Implemented by activations a Conv/ConvTranspose/Gemm epilogue can absorb, so a fusion pass can
/// ask the op itself instead of re-parsing its attributes.
/// </summary>
public interface IFusibleActivation
{
    /// <summary>
    /// The same function as a <see cref="FusedActivation"/>, or null when it cannot be expressed as
    /// one for these inputs (e.g. Clip bounds only known at run time).
    /// </summary>
    FusedActivation? AsFused(IReadOnlyList<TensorInfo?> inputs);
}
