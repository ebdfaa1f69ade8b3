using KernelVision.Ops.Neural;
using KernelVision.Tensors;

namespace KernelVision.Backends.Reference.Neural;

/// <summary>Y = X / (bias + α/size · Σ X²)^β, the sum over a window of neighbouring channels at the same position.</summary>
[BackendKernel("reference")]
public sealed class LRNReference(LRN op) : Kernel<LRN>(op)
{
    /// <inheritdoc/>
    public override void Run(IReadOnlyList<Tensor?> inputs, IReadOnlyList<Tensor?> outputs)
    {
        var xt = inputs[0]!;
        var x = NeuralData.Read(xt);
        int batch = xt.Shape[0], channels = xt.Shape[1];
        int plane = ShapeUtil.Product(xt.Shape, 2, xt.Rank);
        int before = (Op.Size - 1) / 2, after = Op.Size - 1 - before; // floor and ceil of (size−1)/2
        var result = new double[x.Length];
        for (int n = 0; n < batch; n++)
            for (int c = 0; c < channels; c++)
                for (int i = 0; i < plane; i++)
                {
                    double squares = 0;
                    for (int j = Math.Max(0, c - before); j <= Math.Min(channels - 1, c + after); j++)
                    {
                        double v = x[(n * channels + j) * plane + i];
                        squares += v * v;
                    }
                    int at = (n * channels + c) * plane + i;
                    result[at] = x[at] / Math.Pow((double)Op.Bias + (double)Op.Alpha / Op.Size * squares, Op.Beta);
                }
        NeuralData.Write(outputs[0]!, result);
    }
}
