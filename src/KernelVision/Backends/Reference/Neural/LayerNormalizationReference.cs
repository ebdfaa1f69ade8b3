using KernelVision.Ops.Neural;
using KernelVision.Tensors;

namespace KernelVision.Backends.Reference.Neural;

/// <summary>Normalises each row (the dimensions from the axis on) by its own mean and population variance, in double.</summary>
[BackendKernel("reference")]
public sealed class LayerNormalizationReference(LayerNormalization op) : Kernel<LayerNormalization>(op)
{
    /// <inheritdoc/>
    public override void Run(IReadOnlyList<Tensor?> inputs, IReadOnlyList<Tensor?> outputs)
    {
        var xt = inputs[0]!;
        var x = NeuralData.Read(xt);
        var scaleT = inputs[1]!;
        var biasT = inputs.Count > 2 ? inputs[2] : null;
        double[] scale = NeuralData.Read(scaleT), bias = biasT is null ? [] : NeuralData.Read(biasT);
        var (outer, inner) = Op.Rows(xt.Shape);
        var normalized = xt.Shape[Op.NormalizedAxis(xt.Rank)..];
        var y = new double[x.Length];
        var means = new double[outer];
        var invStd = new double[outer];
        for (int r = 0; r < outer; r++)
        {
            int start = r * inner;
            double mean = 0;
            for (int i = 0; i < inner; i++) mean += x[start + i];
            mean = inner > 0 ? mean / inner : 0;
            double variance = 0;
            for (int i = 0; i < inner; i++) variance += (x[start + i] - mean) * (x[start + i] - mean);
            variance = inner > 0 ? variance / inner : 0;
            double inv = 1 / Math.Sqrt(variance + Op.Epsilon);
            means[r] = mean;
            invStd[r] = inv;
            for (int i = 0; i < inner; i++)
            {
                double v = (x[start + i] - mean) * inv * scale[LayerNormalization.BroadcastIndex(i, normalized, scaleT.Shape)];
                if (biasT is not null) v += bias[LayerNormalization.BroadcastIndex(i, normalized, biasT.Shape)];
                y[start + i] = v;
            }
        }
        NeuralData.Write(outputs[0]!, y);
        if (outputs.Count > 1 && outputs[1] is { } m) NeuralData.Write(m, means);
        if (outputs.Count > 2 && outputs[2] is { } s) NeuralData.Write(s, invStd);
    }
}
