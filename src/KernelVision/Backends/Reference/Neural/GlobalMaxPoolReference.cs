using KernelVision.Ops.Neural;
using KernelVision.Tensors;

namespace KernelVision.Backends.Reference.Neural;

/// <summary>Maximum of each (n, c) plane (NaN when the plane has no elements).</summary>
[BackendKernel("reference")]
public sealed class GlobalMaxPoolReference(GlobalMaxPool op) : Kernel<GlobalMaxPool>(op)
{
    /// <inheritdoc/>
    public override void Run(IReadOnlyList<Tensor?> inputs, IReadOnlyList<Tensor?> outputs)
    {
        var xt = inputs[0]!;
        var x = NeuralData.Read(xt);
        int planes = xt.Shape[0] * xt.Shape[1];
        int size = ShapeUtil.Product(xt.Shape, 2, xt.Rank);
        var result = new double[planes];
        for (int p = 0; p < planes; p++)
        {
            double best = size == 0 ? double.NaN : double.NegativeInfinity;
            for (int i = 0; i < size; i++) best = Math.Max(best, x[p * size + i]);
            result[p] = best;
        }
        NeuralData.Write(outputs[0]!, result);
    }
}
