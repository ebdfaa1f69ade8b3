using KernelVision.Ops.Layout;
using KernelVision.Tensors;

namespace KernelVision.Backends.Reference.Layout;

/// <summary>
/// ArgMax: viewing the input as [outer, dim, inner], scan each (outer, inner) column along dim.
/// NaN counts as the largest value (as numpy and PyTorch do).
/// </summary>
[BackendKernel("reference")]
public sealed class ArgMaxReference(ArgMax op) : Kernel<ArgMax>(op)
{
    /// <inheritdoc/>
    public override void Run(IReadOnlyList<Tensor?> inputs, IReadOnlyList<Tensor?> outputs)
    {
        var x = inputs[0]!;
        var y = outputs[0]!.Int64s;
        int axis = Op.ResolveAxis(x.Rank);
        int dim = x.Shape[axis];
        int outer = ShapeUtil.Product(x.Shape, 0, axis);
        int inner = ShapeUtil.Product(x.Shape, axis + 1, x.Rank);
        for (int o = 0; o < outer; o++)
            for (int i = 0; i < inner; i++)
            {
                int best = 0;
                double bestValue = x.GetDouble(o * dim * inner + i);
                for (int k = 1; k < dim; k++)
                {
                    double v = x.GetDouble((o * dim + k) * inner + i);
                    if (Better(v, bestValue)) { best = k; bestValue = v; }
                }
                y[o * inner + i] = best;
            }
    }

    private bool Better(double v, double best)
    {
        if (double.IsNaN(best)) return Op.SelectLastIndex && double.IsNaN(v);
        if (double.IsNaN(v)) return true;
        return v > best || (Op.SelectLastIndex && v == best);
    }
}
