using KernelVision.Ops.Neural;
using KernelVision.Tensors;

namespace KernelVision.Backends.Reference.Neural;

/// <summary>Mean of each (n, c) plane.</summary>
[BackendKernel("reference")]
public sealed class GlobalAveragePoolReference(GlobalAveragePool op) : Kernel<GlobalAveragePool>(op)
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
            double sum = 0;
            for (int i = 0; i < size; i++) sum += x[p * size + i];
            result[p] = size == 0 ? double.NaN : sum / size;
        }
        NeuralData.Write(outputs[0]!, result);
    }
}
