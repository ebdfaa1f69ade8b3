using KernelVision.Ops.Neural;
using KernelVision.Tensors;

namespace KernelVision.Backends.Reference.Neural;

/// <summary>
/// AveragePool: sums each window's input taps and divides by the number of input taps, or, when
/// count_include_pad is set, by the number of taps inside the padded input (padding counts as
/// zeros; a ceil_mode overhang past the end padding does not count). An empty divisor gives NaN.
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
        int inPlane = g.InputSize, outPlane = g.OutputSize;
        var outCoords = NeuralData.Coordinates(g.OutputSpatial);
        var window = new PoolWindow(g);
        var result = new double[y.Length];

        for (int plane = 0; plane < planes; plane++)
            for (int o = 0; o < outPlane; o++)
            {
                double sum = 0;
                int offset = plane * inPlane;
                long inputTaps = window.ForEachTap(outCoords[o], () => sum += x[offset + MaxPoolReference.RowMajor(window.Position, g.InputSpatial)]);
                long divisor = Op.CountIncludePad ? window.PaddedTaps(outCoords[o]) : inputTaps;
                result[plane * outPlane + o] = divisor == 0 ? double.NaN : sum / divisor;
            }
        NeuralData.Write(y, result);
    }
}
