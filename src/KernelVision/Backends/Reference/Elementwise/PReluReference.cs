using KernelVision.Ops.Elementwise;
using KernelVision.Tensors;

namespace KernelVision.Backends.Reference.Elementwise;

/// <summary>PRelu: x for x ≥ 0, slope·x otherwise, slope broadcast to x's shape.</summary>
[BackendKernel("reference")]
public sealed class PReluReference(PRelu op) : Kernel<PRelu>(op)
{
    /// <inheritdoc/>
    public override void Run(IReadOnlyList<Tensor?> inputs, IReadOnlyList<Tensor?> outputs)
    {
        var x = inputs[0]!;
        var slope = inputs[1]!;
        var y = outputs[0]!;
        int[] slopeAt = ElementAccess.BroadcastSource(Op.AlignedSlopeShape(x.Shape, slope.Shape), x.Shape);

        if (x.Type.IsInteger())
        {
            var xs = x.Int64s;
            var ss = slope.Int64s;
            var ys = y.Int64s;
            bool unsigned = x.Type is DataType.UInt8 or DataType.UInt16 or DataType.UInt32 or DataType.UInt64;
            for (int i = 0; i < ys.Length; i++)
                ys[i] = unsigned || xs[i] >= 0 ? xs[i] : DataTypes.Wrap(unchecked(xs[i] * ss[slopeAt[i]]), x.Type);
            return;
        }

        for (int i = 0; i < y.Length; i++)
        {
            double v = x.GetDouble(i);
            ElementAccess.SetDouble(y, i, v >= 0 ? v : slope.GetDouble(slopeAt[i]) * v);
        }
    }
}
