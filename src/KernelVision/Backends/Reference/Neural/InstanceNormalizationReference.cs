using KernelVision.Ops.Neural;
using KernelVision.Tensors;

namespace KernelVision.Backends.Reference.Neural;

/// <summary>Normalises each (n, c) plane by its own mean and population variance, then scale and shift per channel.</summary>
[BackendKernel("reference")]
public sealed class InstanceNormalizationReference(InstanceNormalization op) : Kernel<InstanceNormalization>(op)
{
    /// <inheritdoc/>
    public override void Run(IReadOnlyList<Tensor?> inputs, IReadOnlyList<Tensor?> outputs)
    {
        var xt = inputs[0]!;
        var x = NeuralData.Read(xt);
        double[] scale = NeuralData.Read(inputs[1]!), shift = NeuralData.Read(inputs[2]!);
        int batch = xt.Shape[0], channels = xt.Shape[1];
        int plane = ShapeUtil.Product(xt.Shape, 2, xt.Rank);
        var result = new double[x.Length];
        for (int n = 0; n < batch; n++)
            for (int c = 0; c < channels; c++)
            {
                int start = (n * channels + c) * plane;
                double mean = 0;
                for (int i = 0; i < plane; i++) mean += x[start + i];
                mean /= plane;
                double variance = 0;
                for (int i = 0; i < plane; i++) variance += (x[start + i] - mean) * (x[start + i] - mean);
                variance /= plane;
                double inv = 1 / Math.Sqrt(variance + Op.Epsilon);
                for (int i = 0; i < plane; i++)
                    result[start + i] = scale[c] * (x[start + i] - mean) * inv + shift[c];
            }
        NeuralData.Write(outputs[0]!, result);
    }
}
