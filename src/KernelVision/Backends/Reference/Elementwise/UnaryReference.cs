using KernelVision.Ops.Elementwise;
using KernelVision.Tensors;

namespace KernelVision.Backends.Reference.Elementwise;

/// <summary>Relu, Sigmoid, Tanh, HardSwish, Erf, Sqrt, Exp, element by element in double.</summary>
[BackendKernel("reference")]
public sealed class UnaryReference(UnaryOp op) : Kernel<UnaryOp>(op)
{
    /// <inheritdoc/>
    public override void Run(IReadOnlyList<Tensor?> inputs, IReadOnlyList<Tensor?> outputs)
    {
        var x = inputs[0]!;
        var y = outputs[0]!;
        if (x.Type.IsInteger())
        {
            // Only Relu accepts integers. Unsigned values are never negative (uint64 above
            // long.MaxValue is stored as a negative long, so it must not be compared with 0).
            var xs = x.Int64s;
            var ys = y.Int64s;
            bool unsigned = x.Type is DataType.UInt8 or DataType.UInt16 or DataType.UInt32 or DataType.UInt64;
            for (int i = 0; i < ys.Length; i++) ys[i] = unsigned || xs[i] > 0 ? xs[i] : 0;
            return;
        }
        ElementAccess.Map(x, y, Apply);
    }

    private double Apply(double x) => Op.Kind switch
    {
        UnaryKind.Relu => x > 0 ? x : 0,
        UnaryKind.Sigmoid => 1 / (1 + Math.Exp(-x)),
        UnaryKind.Tanh => Math.Tanh(x),
        UnaryKind.HardSwish => x * Math.Max(0, Math.Min(1, x / 6 + 0.5)),
        UnaryKind.Erf => ReferenceMath.Erf(x),
        UnaryKind.Sqrt => Math.Sqrt(x),
        UnaryKind.Exp => Math.Exp(x),
        _ => throw new InvalidOperationException($"unknown unary kind {Op.Kind}"),
    };
}
