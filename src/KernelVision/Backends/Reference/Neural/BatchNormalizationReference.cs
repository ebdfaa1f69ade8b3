using KernelVision.Ops.Neural;
using KernelVision.Tensors;

namespace KernelVision.Backends.Reference.Neural;

/// <summary>Y = scale·(X − mean)/√(var + ε) + B with the stored statistics, per channel (or per activation when not spatial).</summary>
[BackendKernel("reference")]
public sealed class BatchNormalizationReference(BatchNormalization op) : Kernel<BatchNormalization>(op)
{
    /// <inheritdoc/>
    public override void Run(IReadOnlyList<Tensor?> inputs, IReadOnlyList<Tensor?> outputs)
    {
        var xt = inputs[0]!;
        var x = NeuralData.Read(xt);
        double[] scale = NeuralData.Read(inputs[1]!), shift = NeuralData.Read(inputs[2]!);
        double[] mean = NeuralData.Read(inputs[3]!), variance = NeuralData.Read(inputs[4]!);
        int batch = xt.Shape[0], channels = xt.Shape[1];
        int plane = ShapeUtil.Product(xt.Shape, 2, xt.Rank);
        var result = new double[x.Length];
        for (int n = 0; n < batch; n++)
        for (int c = 0; c < channels; c++)
        for (int i = 0; i < plane; i++)
        {
            // Spatial: one statistic per channel; legacy non-spatial: one per (channel, position).
            int p = Op.Spatial ? c : c * plane + i;
            int at = (n * channels + c) * plane + i;
            result[at] = scale[p] * (x[at] - mean[p]) / Math.Sqrt(variance[p] + Op.Epsilon) + shift[p];
        }
        NeuralData.Write(outputs[0]!, result);
    }
}
