using KernelVision.Ops.Neural;
using KernelVision.Tensors;

namespace KernelVision.Backends.Reference.Neural;

/// <summary>Y = act(scale·(X − mean)/√(var + ε) + B) with the stored statistics, per channel (or per activation when not spatial); act is the fused activation, if any.</summary>
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
        if (Op.TrainingMode)
        {
            // Batch statistics over N and the spatial dims (population variance, as ONNX defines it);
            // the running statistics move towards them by (1 − momentum).
            var batchMean = new double[channels];
            var batchVar = new double[channels];
            double count = (double)batch * plane;
            for (int c = 0; c < channels; c++)
            {
                double sum = 0;
                for (int n = 0; n < batch; n++)
                    for (int i = 0; i < plane; i++) sum += x[(n * channels + c) * plane + i];
                batchMean[c] = sum / count;
                double sq = 0;
                for (int n = 0; n < batch; n++)
                    for (int i = 0; i < plane; i++) { double d = x[(n * channels + c) * plane + i] - batchMean[c]; sq += d * d; }
                batchVar[c] = sq / count;
            }
            if (outputs.Count > 1 && outputs[1] is { } runMean)
                NeuralData.Write(runMean, mean.Select((m, c) => m * Op.Momentum + batchMean[c] * (1 - Op.Momentum)).ToArray());
            if (outputs.Count > 2 && outputs[2] is { } runVar)
                NeuralData.Write(runVar, variance.Select((v, c) => v * Op.Momentum + batchVar[c] * (1 - Op.Momentum)).ToArray());
            mean = batchMean;
            variance = batchVar;
        }
        var result = new double[x.Length];
        for (int n = 0; n < batch; n++)
            for (int c = 0; c < channels; c++)
                for (int i = 0; i < plane; i++)
                {
                    // Spatial: one statistic per channel; legacy non-spatial: one per (channel, position).
                    int p = Op.Spatial ? c : c * plane + i;
                    int at = (n * channels + c) * plane + i;
                    result[at] = Op.Activation.Apply(scale[p] * (x[at] - mean[p]) / Math.Sqrt(variance[p] + Op.Epsilon) + shift[p]);
                }
        NeuralData.Write(outputs[0]!, result);
    }
}
