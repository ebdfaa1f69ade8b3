using KernelVision.Ops.Elementwise;
using KernelVision.Tensors;

namespace KernelVision.Backends.Reference.Elementwise;

/// <summary>
/// Add, Sub, Mul, Div, Pow with broadcasting. Floats are computed in double and rounded once;
/// integers in 64-bit two's complement, then wrapped to the output type's width.
/// </summary>
[BackendKernel("reference")]
public sealed class BinaryReference(BinaryOp op) : Kernel<BinaryOp>(op)
{
    /// <inheritdoc/>
    public override void Run(IReadOnlyList<Tensor?> inputs, IReadOnlyList<Tensor?> outputs)
    {
        var a = inputs[0]!;
        var b = inputs[1]!;
        var y = outputs[0]!;
        int[] aAt = ElementAccess.BroadcastSource(a.Shape, y.Shape);
        int[] bAt = ElementAccess.BroadcastSource(Op.AlignedShapeOfB(a.Shape, b.Shape), y.Shape);

        if (y.Type.IsInteger())
        {
            var ys = y.Int64s;
            var xs = a.Int64s;
            if (!b.Type.IsInteger())
            {
                // Pow with an integer base and a float exponent: compute in double, truncate.
                for (int i = 0; i < ys.Length; i++)
                    ys[i] = DataTypes.Wrap(TruncateToLong(Math.Pow(xs[aAt[i]], b.GetDouble(bAt[i]))), y.Type);
                return;
            }
            var zs = b.Int64s;
            for (int i = 0; i < ys.Length; i++)
                ys[i] = DataTypes.Wrap(Integer(xs[aAt[i]], zs[bAt[i]], y.Type), y.Type);
            return;
        }

        for (int i = 0; i < y.Length; i++)
            ElementAccess.SetDouble(y, i, Float(a.GetDouble(aAt[i]), b.GetDouble(bAt[i])));
    }

    private double Float(double x, double z) => Op.Kind switch
    {
        BinaryKind.Add => x + z,
        BinaryKind.Sub => x - z,
        BinaryKind.Mul => x * z,
        BinaryKind.Div => x / z,
        BinaryKind.Pow => Math.Pow(x, z),
        _ => throw new InvalidOperationException($"unknown binary kind {Op.Kind}"),
    };

    private long Integer(long x, long z, DataType type)
    {
        unchecked
        {
            switch (Op.Kind)
            {
                case BinaryKind.Add: return x + z;
                case BinaryKind.Sub: return x - z;
                case BinaryKind.Mul: return x * z;
                case BinaryKind.Div:
                    if (z == 0) throw new KernelVisionException($"{Op.Node.DisplayName}: integer division by zero");
                    if (type == DataType.UInt64) return (long)((ulong)x / (ulong)z);
                    if (z == -1) return -x; // long.MinValue / -1 would trap; negation wraps instead
                    return x / z;           // C# integer division truncates toward zero, as ONNX wants
                case BinaryKind.Pow:
                    return IntegerPow(x, z);
                default:
                    throw new InvalidOperationException($"unknown binary kind {Op.Kind}");
            }
        }
    }

    private long IntegerPow(long x, long e)
    {
        if (e < 0)
        {
            // x^e = 1 / x^|e|, truncated: only ±1 give a nonzero result.
            if (x == 0) throw new KernelVisionException($"{Op.Node.DisplayName}: integer 0 raised to a negative power");
            if (x == 1) return 1;
            if (x == -1) return (e & 1) == 0 ? 1 : -1;
            return 0;
        }
        // Square-and-multiply; products wrap modulo 2^64, which the final Wrap narrows further.
        long result = 1, power = x;
        unchecked
        {
            while (e > 0)
            {
                if ((e & 1) != 0) result *= power;
                power *= power;
                e >>= 1;
            }
        }
        return result;
    }

    private static long TruncateToLong(double v)
    {
        if (double.IsNaN(v)) return 0;
        if (v >= 9.2233720368547758e18) return long.MaxValue;
        if (v <= -9.2233720368547758e18) return long.MinValue;
        return (long)v;
    }
}
