using KernelVision.Ops.Layout;
using KernelVision.Tensors;

namespace KernelVision.Backends.Reference.Layout;

/// <summary>Element-by-element conversion through double (exact for every stored type but int64 beyond 2^53, handled apart).</summary>
[BackendKernel("reference")]
public sealed class CastReference(Cast op) : Kernel<Cast>(op)
{
    /// <inheritdoc/>
    public override void Run(IReadOnlyList<Tensor?> inputs, IReadOnlyList<Tensor?> outputs)
    {
        var x = inputs[0]!;
        var y = outputs[0]!;
        for (int i = 0; i < x.Length; i++)
        {
            switch (y.Type)
            {
                case DataType.Float32: y.Floats[i] = (float)x.GetDouble(i); break;
                case DataType.Float64: y.Doubles[i] = x.GetDouble(i); break;
                case DataType.Bool: y.Bools[i] = x.GetDouble(i) != 0; break;
                default:
                    // Integer → integer keeps all 64 bits; float → integer truncates toward zero.
                    long v = x.Type.IsInteger() ? x.Int64s[i] : ToInt64(x.GetDouble(i));
                    y.Int64s[i] = DataTypes.Wrap(v, y.Type);
                    break;
            }
        }
    }

    private static long ToInt64(double d) =>
        double.IsNaN(d) ? 0 : d >= long.MaxValue ? long.MaxValue : d <= long.MinValue ? long.MinValue : (long)d;
}
