using KernelVision.Backends.Reference.Elementwise;
using KernelVision.Ops.Neural;
using KernelVision.Tensors;

namespace KernelVision.Backends.Reference.Neural;

/// <summary>
/// Direct convolution: every output element is the bias plus the dot product of its kernel
/// window with the input channels of its group; taps in the padding contribute nothing. A fused
/// residual Z is added, broadcast as the Add it replaced did, before the activation; a fused input
/// normalisation runs first, on the BatchNormalization's own Reference kernel.
/// </summary>
[BackendKernel("reference")]
public sealed class ConvReference(Conv op) : Kernel<Conv>(op)
{
    /// <inheritdoc/>
    public override void Run(IReadOnlyList<Tensor?> inputs, IReadOnlyList<Tensor?> outputs)
    {
        Tensor xt = inputs[0]!, wt = inputs[1]!;
        Tensor? bt = inputs.Count > 2 ? inputs[2] : null;
        var y = outputs[0]!;
        if (Op.InputNormalization is { } bn)
        {
            var normalised = Tensor.Zeros(xt.Type, xt.Shape);
            ReferenceEvaluator.KernelFor(bn).Run([xt, .. inputs.Skip(4)], [normalised]);
            xt = normalised;
        }
        var g = Op.Resolve(xt.Shape, wt.Shape);
        double[] x = NeuralData.Read(xt), w = NeuralData.Read(wt);
        double[]? bias = bt is null ? null : NeuralData.Read(bt);

        int batch = xt.Shape[0], channels = xt.Shape[1], outChannels = wt.Shape[0];
        int channelsPerGroup = channels / Op.Group, outPerGroup = outChannels / Op.Group;
        int inPlane = g.InputSize, outPlane = g.OutputSize, taps = g.KernelSize;
        var outCoords = NeuralData.Coordinates(g.OutputSpatial);
        var kernelCoords = NeuralData.Coordinates(g.Kernel);
        int[] convShape = [batch, outChannels, .. g.OutputSpatial];
        var result = new double[ShapeUtil.Size(convShape)];
        var act = Op.Residual ? default : Op.Activation;

        // Which input cell each (output cell, kernel tap) pair reads, −1 where it falls in the
        // padding. The same for every channel and image, so it is worked out once.
        var window = new int[outPlane * taps];
        for (int o = 0; o < outPlane; o++)
            for (int k = 0; k < taps; k++)
                window[o * taps + k] = InputIndex(g, outCoords[o], kernelCoords[k]);

        for (int n = 0; n < batch; n++)
            for (int m = 0; m < outChannels; m++)
            {
                int group = m / outPerGroup;
                for (int o = 0; o < outPlane; o++)
                {
                    double acc = bias?[m] ?? 0;
                    for (int cl = 0; cl < channelsPerGroup; cl++)
                    {
                        int c = group * channelsPerGroup + cl;
                        int xBase = (n * channels + c) * inPlane;
                        int wBase = (m * channelsPerGroup + cl) * taps;
                        for (int k = 0; k < taps; k++)
                        {
                            int at = window[o * taps + k];
                            if (at >= 0) acc += x[xBase + at] * w[wBase + k];
                        }
                    }
                    result[(n * outChannels + m) * outPlane + o] = act.Apply(acc);
                }
            }
        if (Op.Residual) result = AddResidual(result, convShape, inputs[3]!, y.Shape);
        NeuralData.Write(y, result);
    }

    /// <summary>act(conv + Z) over the output shape, both operands broadcast to it.</summary>
    private double[] AddResidual(double[] conv, int[] convShape, Tensor zt, int[] outShape)
    {
        double[] z = NeuralData.Read(zt);
        int[] fromConv = ElementAccess.BroadcastSource(convShape, outShape), fromZ = ElementAccess.BroadcastSource(zt.Shape, outShape);
        var sum = new double[fromConv.Length];
        for (int i = 0; i < sum.Length; i++) sum[i] = Op.Activation.Apply(conv[fromConv[i]] + z[fromZ[i]]);
        return sum;
    }

    /// <summary>Flat input-plane index read by kernel tap <paramref name="k"/> of output cell <paramref name="o"/>, or −1 in the padding.</summary>
    internal static int InputIndex(WindowGeometry g, int[] o, int[] k)
    {
        int index = 0;
        for (int axis = 0; axis < g.Rank; axis++)
        {
            int p = o[axis] * g.Strides[axis] - g.PadsBegin[axis] + k[axis] * g.Dilations[axis];
            if (p < 0 || p >= g.InputSpatial[axis]) return -1;
            index = index * g.InputSpatial[axis] + p;
        }
        return index;
    }
}
