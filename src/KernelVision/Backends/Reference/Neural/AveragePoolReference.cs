using KernelVision.Ops.Neural;
using KernelVision.Tensors;

namespace KernelVision.Backends.Reference.Neural;

/// <summary>
/// AveragePool: sums each window's input taps and divides by the number of input taps, or by the
/// whole kernel size when count_include_pad is set (padded taps count as zeros). A window with no
/// input tap and count_include_pad = 0 gives NaN, as 0/0.
/// </summary>
[BackendKernel("reference")]
public sealed class AveragePoolReference(AveragePool op) : Kernel<AveragePool>(op)
{
    /// <inheritdoc/>
    public override void Run(IReadOnlyList<Tensor?> inputs, IReadOnlyList<Tensor?> outputs)
    {
        var xt = inputs[0]!;
        var y = outputs[0]!;
        var g = Op.Resolve(xt.Shape);
        var x = NeuralData.Read(xt);
        int planes = xt.Shape[0] * xt.Shape[1];
        int inPlane = g.InputSize, outPlane = g.OutputSize, taps = g.KernelSize;
        var outCoords = NeuralData.Coordinates(g.OutputSpatial);
        var kernelCoords = NeuralData.Coordinates(g.Kernel);
        var result = new double[y.Length];
        var position = new int[g.Rank];

        for (int plane = 0; plane < planes; plane++)
        for (int o = 0; o < outPlane; o++)
        {
            double sum = 0;
            int count = 0;
            for (int k = 0; k < taps; k++)
            {
                if (!MaxPoolReference.InputPosition(g, outCoords[o], kernelCoords[k], position)) continue;
                sum += x[plane * inPlane + MaxPoolReference.RowMajor(position, g.InputSpatial)];
                count++;
            }
            int divisor = Op.CountIncludePad ? taps : count;
            result[plane * outPlane + o] = divisor == 0 ? double.NaN : sum / divisor;
        }
        NeuralData.Write(y, result);
    }
}
