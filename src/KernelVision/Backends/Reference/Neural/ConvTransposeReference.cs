using KernelVision.Ops.Neural;
using KernelVision.Tensors;

namespace KernelVision.Backends.Reference.Neural;

/// <summary>
/// Transposed convolution in scatter form: each input cell, times each kernel tap, adds into the
/// output cell at input·stride − pad_begin + tap·dilation (dropped when outside the output); then
/// the bias and the fused activation.
/// </summary>
[BackendKernel("reference")]
public sealed class ConvTransposeReference(ConvTranspose op) : Kernel<ConvTranspose>(op)
{
    /// <inheritdoc/>
    public override void Run(IReadOnlyList<Tensor?> inputs, IReadOnlyList<Tensor?> outputs)
    {
        Tensor xt = inputs[0]!, wt = inputs[1]!;
        Tensor? bt = inputs.Count > 2 ? inputs[2] : null;
        var y = outputs[0]!;
        var g = Op.Resolve(xt.Shape, wt.Shape);
        double[] x = NeuralData.Read(xt), w = NeuralData.Read(wt);
        double[]? bias = bt is null ? null : NeuralData.Read(bt);

        int batch = xt.Shape[0], channels = xt.Shape[1];
        int channelsPerGroup = channels / Op.Group, outPerGroup = wt.Shape[1], outChannels = outPerGroup * Op.Group;
        int inPlane = g.InputSize, outPlane = g.OutputSize, taps = g.KernelSize;
        var inCoords = NeuralData.Coordinates(g.InputSpatial);
        var kernelCoords = NeuralData.Coordinates(g.Kernel);
        var result = new double[y.Length];

        // Which output cell each (input cell, kernel tap) pair adds into, −1 where it is trimmed
        // away; the same for every channel and image, so it is worked out once.
        var scatter = new int[inPlane * taps];
        for (int i = 0; i < inPlane; i++)
            for (int k = 0; k < taps; k++)
                scatter[i * taps + k] = OutputIndex(g, inCoords[i], kernelCoords[k]);

        for (int n = 0; n < batch; n++)
            for (int c = 0; c < channels; c++)
            {
                int group = c / channelsPerGroup;
                for (int i = 0; i < inPlane; i++)
                {
                    double v = x[(n * channels + c) * inPlane + i];
                    for (int ml = 0; ml < outPerGroup; ml++)
                    {
                        int m = group * outPerGroup + ml;
                        int wBase = (c * outPerGroup + ml) * taps;
                        int yBase = (n * outChannels + m) * outPlane;
                        for (int k = 0; k < taps; k++)
                        {
                            int at = scatter[i * taps + k];
                            if (at >= 0) result[yBase + at] += v * w[wBase + k];
                        }
                    }
                }
            }

        for (int n = 0; n < batch; n++)
            for (int m = 0; m < outChannels; m++)
                for (int o = 0; o < outPlane; o++)
                {
                    int at = (n * outChannels + m) * outPlane + o;
                    result[at] = Op.Activation.Apply(result[at] + (bias?[m] ?? 0));
                }
        NeuralData.Write(y, result);
    }

    /// <summary>Flat output-plane index written by input cell <paramref name="i"/> through tap <paramref name="k"/>, or −1 when trimmed away.</summary>
    private static int OutputIndex(WindowGeometry g, int[] i, int[] k)
    {
        int index = 0;
        for (int axis = 0; axis < g.Rank; axis++)
        {
            int p = i[axis] * g.Strides[axis] - g.PadsBegin[axis] + k[axis] * g.Dilations[axis];
            if (p < 0 || p >= g.OutputSpatial[axis]) return -1;
            index = index * g.OutputSpatial[axis] + p;
        }
        return index;
    }
}
