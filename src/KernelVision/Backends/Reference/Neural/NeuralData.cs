using KernelVision.Tensors;

namespace KernelVision.Backends.Reference.Neural;

/// <summary>
/// Element access shared by the Neural reference kernels: they compute in double whatever the
/// tensor type (float32, float64, or small integers for MaxPool), so each kernel has one code path.
/// </summary>
internal static class NeuralData
{
    /// <summary>All elements of <paramref name="t"/> as doubles (a copy).</summary>
    public static double[] Read(Tensor t)
    {
        var values = new double[t.Length];
        for (int i = 0; i < values.Length; i++) values[i] = t.GetDouble(i);
        return values;
    }

    /// <summary>Stores <paramref name="values"/> into <paramref name="t"/>, converting to its element type.</summary>
    public static void Write(Tensor t, double[] values)
    {
        switch (t.Type)
        {
            case DataType.Float32:
            {
                var dst = t.Floats;
                for (int i = 0; i < values.Length; i++) dst[i] = (float)values[i];
                break;
            }
            case DataType.Float64:
                values.AsSpan().CopyTo(t.Doubles);
                break;
            case var type when type.IsInteger():
            {
                var dst = t.Int64s;
                for (int i = 0; i < values.Length; i++) dst[i] = DataTypes.Wrap((long)values[i], type);
                break;
            }
            default:
                throw new UnsupportedException($"reference kernel cannot write {t.Describe()}");
        }
    }

    /// <summary>
    /// Coordinates of every flat position in a box of <paramref name="shape"/>, row-major: entry
    /// [i][axis]. Lets kernels walk N-d windows and planes with one loop whatever the rank.
    /// </summary>
    public static int[][] Coordinates(int[] shape)
    {
        int count = ShapeUtil.Size(shape);
        var result = new int[count][];
        for (int flat = 0; flat < count; flat++)
        {
            var c = new int[shape.Length];
            int rest = flat;
            for (int axis = shape.Length - 1; axis >= 0; axis--)
            {
                c[axis] = rest % shape[axis];
                rest /= shape[axis];
            }
            result[flat] = c;
        }
        return result;
    }
}
