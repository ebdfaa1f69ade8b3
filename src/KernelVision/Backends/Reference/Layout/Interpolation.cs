using KernelVision.Ops.Layout;
using KernelVision.Tensors;

namespace KernelVision.Backends.Reference.Layout;

/// <summary>
/// The reference resampler shared by Resize and Upsample. It follows the taps of <see cref="ResizePlan"/>:
/// nearest copies one input element per output element; linear and cubic are separable, so they run as one
/// 1-D pass per axis, accumulating in double.
/// </summary>
public static class Interpolation
{
    /// <summary>Writes every element of <paramref name="y"/> resampled from <paramref name="x"/> per <paramref name="plan"/>.</summary>
    public static void Run(ResizePlan plan, Tensor x, Tensor y)
    {
        if (!ShapeUtil.Same(x.Shape, plan.InputShape) || !ShapeUtil.Same(y.Shape, plan.OutputShape))
            throw new InvalidOperationException($"resize plan {ShapeUtil.Format(plan.InputShape)}→{ShapeUtil.Format(plan.OutputShape)} does not fit {x.Describe()}→{y.Describe()}");
        int rank = x.Rank;
        var taps = new ResizeAxisTaps[rank];
        for (int d = 0; d < rank; d++) taps[d] = plan.Taps(d);

        if (plan.Sampling.Mode == ResizeMode.Nearest) Nearest(plan, taps, x, y);
        else Filter(plan, taps, x, y);
    }

    /// <summary>Nearest: each output element copies the input element at its per-axis nearest indices.</summary>
    private static void Nearest(ResizePlan plan, ResizeAxisTaps[] taps, Tensor x, Tensor y)
    {
        int rank = x.Rank;
        var inStrides = ShapeUtil.Strides(x.Shape);
        var index = new int[rank]; // output multi-index, advanced like an odometer
        for (int o = 0; o < y.Length; o++)
        {
            int src = 0;
            bool outside = false;
            for (int d = 0; d < rank; d++)
            {
                outside |= taps[d].Outside[index[d]];
                src += taps[d].Indices[index[d]] * inStrides[d];
            }
            if (outside) SetExtrapolated(y, o, plan.Sampling.ExtrapolationValue);
            else CopyElement(x, src, y, o);
            Advance(index, y.Shape);
        }
    }

    /// <summary>Linear/cubic: resample one axis at a time (the filter is a product of per-axis weights).</summary>
    private static void Filter(ResizePlan plan, ResizeAxisTaps[] taps, Tensor x, Tensor y)
    {
        var data = new double[x.Length];
        for (int i = 0; i < data.Length; i++) data[i] = x.GetDouble(i);
        var shape = (int[])x.Shape.Clone();

        for (int axis = 0; axis < shape.Length; axis++)
        {
            // View the current data as [outer, length, inner] around this axis.
            int outer = ShapeUtil.Product(shape, 0, axis);
            int inner = ShapeUtil.Product(shape, axis + 1, shape.Length);
            int lengthIn = shape[axis], lengthOut = y.Shape[axis];
            var t = taps[axis];
            var next = new double[outer * lengthOut * inner];
            for (int a = 0; a < outer; a++)
                for (int p = 0; p < lengthOut; p++)
                    for (int b = 0; b < inner; b++)
                    {
                        double sum = 0;
                        for (int k = 0; k < t.TapCount; k++)
                        {
                            int i = t.Indices[p * t.TapCount + k];
                            sum += t.Weights[p * t.TapCount + k] * data[(a * lengthIn + i) * inner + b];
                        }
                        next[(a * lengthOut + p) * inner + b] = sum;
                    }
            data = next;
            shape[axis] = lengthOut;
        }

        // tf_crop_and_resize: a point outside the input along any axis takes the extrapolation value.
        var index = new int[shape.Length];
        for (int o = 0; o < data.Length; o++)
        {
            bool outside = false;
            for (int d = 0; d < shape.Length; d++) outside |= taps[d].Outside[index[d]];
            double v = outside ? plan.Sampling.ExtrapolationValue : data[o];
            if (y.Type == DataType.Float32) y.Floats[o] = (float)v;
            else y.Doubles[o] = v;
            Advance(index, shape);
        }
    }

    private static void CopyElement(Tensor x, int src, Tensor y, int dst)
    {
        switch (x.Type)
        {
            case DataType.Float32: y.Floats[dst] = x.Floats[src]; break;
            case DataType.Float64: y.Doubles[dst] = x.Doubles[src]; break;
            case DataType.Bool: y.Bools[dst] = x.Bools[src]; break;
            default: y.Int64s[dst] = x.Int64s[src]; break;
        }
    }

    private static void SetExtrapolated(Tensor y, int dst, float value)
    {
        switch (y.Type)
        {
            case DataType.Float32: y.Floats[dst] = value; break;
            case DataType.Float64: y.Doubles[dst] = value; break;
            case DataType.Bool: y.Bools[dst] = value != 0; break;
            // Integer outputs take the value truncated and wrapped to the element type.
            default: y.Int64s[dst] = DataTypes.Wrap((long)value, y.Type); break;
        }
    }

    /// <summary>Steps a row-major multi-index by one element.</summary>
    private static void Advance(int[] index, int[] shape)
    {
        for (int d = index.Length - 1; d >= 0; d--)
        {
            if (++index[d] < shape[d]) return;
            index[d] = 0;
        }
    }
}
