using KernelVision.Graph;

namespace KernelVision.Ops.Elementwise;

/// <summary>The attribute-free element-wise functions <see cref="UnaryOp"/> covers.</summary>
public enum UnaryKind
{
    /// <summary>max(x, 0).</summary>
    Relu,
    /// <summary>1 / (1 + e^-x).</summary>
    Sigmoid,
    /// <summary>tanh(x).</summary>
    Tanh,
    /// <summary>x · max(0, min(1, x/6 + 1/2)).</summary>
    HardSwish,
    /// <summary>The Gauss error function.</summary>
    Erf,
    /// <summary>Square root (NaN for negative x).</summary>
    Sqrt,
    /// <summary>e^x.</summary>
    Exp,
}

/// <summary>
/// Relu, Sigmoid, Tanh, HardSwish, Erf, Sqrt, Exp: element-wise functions without attributes.
/// One class for all of them since only the formula (<see cref="Kind"/>) differs.
/// </summary>
[OnnxOp("Relu")]
[OnnxOp("Sigmoid")]
[OnnxOp("Tanh")]
[OnnxOp("HardSwish")]
[OnnxOp("Erf")]
[OnnxOp("Sqrt")]
[OnnxOp("Exp")]
public sealed class UnaryOp : UnaryElementwiseOp, IFusibleActivation
{
    /// <summary>Which function this node computes.</summary>
    public UnaryKind Kind { get; }

    /// <summary>Binds the op to its node; legacy attributes (opset-1 'consumed_inputs') are ignored.</summary>
    public UnaryOp(Node node, int opset) : base(node, opset)
    {
        Kind = node.OpType switch
        {
            "Relu" => UnaryKind.Relu,
            "Sigmoid" => UnaryKind.Sigmoid,
            "Tanh" => UnaryKind.Tanh,
            "HardSwish" => UnaryKind.HardSwish,
            "Erf" => UnaryKind.Erf,
            "Sqrt" => UnaryKind.Sqrt,
            "Exp" => UnaryKind.Exp,
            _ => throw Unsupported($"op type '{node.OpType}' is not a unary op"),
        };
    }

    /// <summary>Relu is defined on signed integers too (opset 14); the rest are float-only.</summary>
    public override bool AcceptsIntegers => Kind == UnaryKind.Relu;

    /// <inheritdoc/>
    public FusedActivation? AsFused(IReadOnlyList<TensorInfo?> inputs) => Kind switch
    {
        UnaryKind.Relu => new FusedActivation(ActivationKind.Relu),
        UnaryKind.Sigmoid => new FusedActivation(ActivationKind.Sigmoid),
        UnaryKind.Tanh => new FusedActivation(ActivationKind.Tanh),
        _ => null,
    };
}
