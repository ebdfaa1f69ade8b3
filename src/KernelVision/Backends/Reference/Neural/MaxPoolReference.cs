using KernelVision.Ops.Neural;
using KernelVision.Tensors;

namespace KernelVision.Backends.Reference.Neural;

/// <summary>
/// MaxPool: scans each window's taps in row-major order and keeps the first largest input value
/// (padding taps are skipped, NaN inputs never win). A window with no input tap at all (only
/// possible with padding at least the kernel extent) gives NaN (0 for integers) and index −1.
/// </summary>
[BackendKernel("reference")]
public sealed class MaxPoolReference(MaxPool op) : Kernel<MaxPool>(op)
{
    /// <inheritdoc/>
    public override void Run(IReadOnlyList<Tensor?> inputs, IReadOnlyList<Tensor?> outputs)
    {
        var xt = inputs[0]!;
        var y = outputs[0]!;
        var indices = outputs.Count > 1 ? outputs[1] : null;
        var g = Op.Resolve(xt.Shape);
        var x = NeuralData.Read(xt);
        int planes = xt.Shape[0] * xt.Shape[1];
        int inPlane = g.InputSize, outPlane = g.OutputSize;
        var outCoords = NeuralData.Coordinates(g.OutputSpatial);
        var window = new PoolWindow(g);
        var result = new double[y.Length];
        var where = new long[y.Length];

        for (int plane = 0; plane < planes; plane++)
            for (int o = 0; o < outPlane; o++)
            {
                double best = double.NaN;
                long bestIndex = -1;
                window.ForEachTap(outCoords[o], () =>
                {
                    var position = window.Position;
                    double v = x[plane * inPlane + RowMajor(position, g.InputSpatial)];
                    if (double.IsNaN(v) || (bestIndex >= 0 && !(v > best))) return;
                    best = v;
                    long spatial = Op.StorageOrder == 0 ? RowMajor(position, g.InputSpatial) : ColumnMajor(position, g.InputSpatial);
                    bestIndex = (long)plane * inPlane + spatial;
                });
                if (bestIndex < 0 && xt.Type.IsInteger()) best = 0;
                result[plane * outPlane + o] = best;
                where[plane * outPlane + o] = bestIndex;
            }
        NeuralData.Write(y, result);
        if (indices is not null) where.AsSpan().CopyTo(indices.Int64s);
    }

    /// <summary>Flat index with the last axis fastest.</summary>
    internal static int RowMajor(int[] c, int[] shape)
    {
        int index = 0;
        for (int axis = 0; axis < shape.Length; axis++) index = index * shape[axis] + c[axis];
        return index;
    }

    /// <summary>Flat index with the first axis fastest (storage_order = 1).</summary>
    private static int ColumnMajor(int[] c, int[] shape)
    {
        int index = 0;
        for (int axis = shape.Length - 1; axis >= 0; axis--) index = index * shape[axis] + c[axis];
        return index;
    }
}
