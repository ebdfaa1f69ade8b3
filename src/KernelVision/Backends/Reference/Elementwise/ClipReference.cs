using KernelVision.Ops.Elementwise;
using KernelVision.Tensors;

namespace KernelVision.Backends.Reference.Elementwise;

/// <summary>Clip: min(max(x, lo), hi) element by element; bounds from attributes or scalar inputs.</summary>
[BackendKernel("reference")]
public sealed class ClipReference(Clip op) : Kernel<Clip>(op)
{
    /// <inheritdoc/>
    public override void Run(IReadOnlyList<Tensor?> inputs, IReadOnlyList<Tensor?> outputs)
    {
        var x = inputs[0]!;
        var y = outputs[0]!;
        Tensor? min = Op.BoundsAreInputs && inputs.Count > 1 ? inputs[1] : null;
        Tensor? max = Op.BoundsAreInputs && inputs.Count > 2 ? inputs[2] : null;

        if (x.Type.IsInteger())
        {
            var xs = x.Int64s;
            var ys = y.Int64s;
            if (x.Type == DataType.UInt64)
            {
                // uint64 is stored as the same 64 bits in a long: compare as unsigned.
                ulong ulo = min is null ? ulong.MinValue : (ulong)min.Int64s[0];
                ulong uhi = max is null ? ulong.MaxValue : (ulong)max.Int64s[0];
                for (int i = 0; i < ys.Length; i++) ys[i] = (long)Math.Min(Math.Max((ulong)xs[i], ulo), uhi);
                return;
            }
            long lo = min is null ? long.MinValue : min.Int64s[0];
            long hi = max is null ? long.MaxValue : max.Int64s[0];
            for (int i = 0; i < ys.Length; i++) ys[i] = Math.Min(Math.Max(xs[i], lo), hi);
            return;
        }

        double dlo, dhi;
        if (Op.BoundsAreInputs)
        {
            dlo = min is null ? double.NegativeInfinity : min.GetDouble(0);
            dhi = max is null ? double.PositiveInfinity : max.GetDouble(0);
        }
        else
        {
            dlo = Op.MinAttribute;
            dhi = Op.MaxAttribute;
        }
        // Math.Max/Min propagate NaN, so NaN inputs stay NaN.
        ElementAccess.Map(x, y, v => Math.Min(Math.Max(v, dlo), dhi));
    }
}
