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
        int inPlane = g.InputSize, outPlane = g.OutputSize, taps = g.KernelSize;
        var outCoords = NeuralData.Coordinates(g.OutputSpatial);
        var kernelCoords = NeuralData.Coordinates(g.Kernel);
        var result = new double[y.Length];
        var position = new int[g.Rank];

        for (int plane = 0; plane < planes; plane++)
        for (int o = 0; o < outPlane; o++)
        {
            double sum = 0;
            int inputTaps = 0, paddedTaps = 0;
            for (int k = 0; k < taps; k++)
            {
                if (InsidePadded(g, outCoords[o], kernelCoords[k])) paddedTaps++;
                if (!MaxPoolReference.InputPosition(g, outCoords[o], kernelCoords[k], position)) continue;
                sum += x[plane * inPlane + MaxPoolReference.RowMajor(position, g.InputSpatial)];
                inputTaps++;
            }
            int divisor = Op.CountIncludePad ? paddedTaps : inputTaps;
            result[plane * outPlane + o] = divisor == 0 ? double.NaN : sum / divisor;
        }
        NeuralData.Write(y, result);
    }

    /// <summary>True when the tap lies in the padded input [−pad_begin, input + pad_end) on every axis (not in a ceil_mode overhang).</summary>
    private static bool InsidePadded(WindowGeometry g, int[] o, int[] k)
    {
        for (int axis = 0; axis < g.Rank; axis++)
        {
            int p = o[axis] * g.Strides[axis] - g.PadsBegin[axis] + k[axis] * g.Dilations[axis];
            if (p < -g.PadsBegin[axis] || p >= g.InputSpatial[axis] + g.PadsEnd[axis]) return false;
        }
        return true;
    }
}
