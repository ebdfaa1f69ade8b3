using KernelVision.Tensors;

namespace KernelVision.Backends.Reference.Elementwise;

/// <summary>
/// Small helpers the element-wise reference kernels share: reading and writing one element of a
/// float tensor in double precision, and mapping broadcast output positions back to input positions.
/// </summary>
internal static class ElementAccess
{
    /// <summary>Writes <paramref name="v"/> into element <paramref name="i"/> of a float32 or float64 tensor.</summary>
    public static void SetDouble(Tensor t, int i, double v)
    {
        if (t.Type == DataType.Float32) t.Floats[i] = (float)v;
        else if (t.Type == DataType.Float64) t.Doubles[i] = v;
        else throw new InvalidOperationException($"tensor {t.Describe()} is not a float tensor");
    }

    /// <summary>y[i] = f(x[i]) for float tensors of equal size, computed in double.</summary>
    public static void Map(Tensor x, Tensor y, Func<double, double> f)
    {
        for (int i = 0; i < y.Length; i++) SetDouble(y, i, f(x.GetDouble(i)));
    }

    /// <summary>
    /// For every element of a tensor of shape <paramref name="outShape"/> (row-major order), the index
    /// of the element of an input of shape <paramref name="inShape"/> that numpy broadcasting reads
    /// there. The input shape is right-aligned; its size-1 dims repeat.
    /// </summary>
    public static int[] BroadcastSource(int[] inShape, int[] outShape)
    {
        int rank = outShape.Length;
        if (inShape.Length > rank) throw new ArgumentException($"cannot broadcast {ShapeUtil.Format(inShape)} to {ShapeUtil.Format(outShape)}");
        int[] strides = ShapeUtil.BroadcastStrides(inShape, rank);
        int n = ShapeUtil.Size(outShape);
        var source = new int[n];
        var coord = new int[rank];
        for (int i = 0; i < n; i++)
        {
            int s = 0;
            for (int d = 0; d < rank; d++) s += coord[d] * strides[d];
            source[i] = s;

            // Advance the output coordinate like an odometer (last dim fastest).
            for (int d = rank - 1; d >= 0; d--)
            {
                if (++coord[d] < outShape[d]) break;
                coord[d] = 0;
            }
        }
        return source;
    }
}
