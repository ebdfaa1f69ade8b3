using KernelVision.Tensors;
using Xunit;

namespace KernelVision.Tests;

/// <summary>Assertions over tensors: same type and shape, values within tolerance.</summary>
public static class TensorAssert
{
    /// <summary>Checks |a-e| ≤ atol + rtol·|e| element-wise (NaNs must match).</summary>
    public static void Close(Tensor expected, Tensor actual, double rtol = 1e-5, double atol = 1e-6)
    {
        Assert.Equal(expected.Type, actual.Type);
        Assert.Equal(expected.Shape, actual.Shape);
        for (int i = 0; i < expected.Length; i++)
        {
            double e = expected.GetDouble(i), a = actual.GetDouble(i);
            if (double.IsNaN(e) && double.IsNaN(a)) continue;
            if (double.IsInfinity(e) && e == a) continue;
            if (!(Math.Abs(a - e) <= atol + rtol * Math.Abs(e)))
                Assert.Fail($"element {i}: expected {e:G9}, got {a:G9} (shape {ShapeUtil.Format(expected.Shape)})");
        }
    }

    /// <summary>Checks a float32 tensor against shape and values.</summary>
    public static void Close(int[] shape, float[] expected, Tensor? actual, double rtol = 1e-5, double atol = 1e-6)
    {
        Assert.NotNull(actual);
        Close(Tensor.FromFloats(shape, expected), actual!, rtol, atol);
    }
}
