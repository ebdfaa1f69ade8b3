using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace KernelVision.Cpu.Kernels.Neural;

/// <summary>
/// Mean and variance of a row of floats accumulated in double, shared by the normalisation kernels:
/// float sums over a 256×256 plane (or a long LayerNorm row) would lose digits the normalisation
/// then magnifies.
/// </summary>
internal static class RowStatistics
{
    /// <summary>Σx in double.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static double Sum(ReadOnlySpan<float> x)
    {
        ref float r = ref MemoryMarshal.GetReference(x);
        int n = x.Length, i = 0;
        double sum = 0;
        if (Vector256.IsHardwareAccelerated && n >= 8)
        {
            var a0 = Vector256<double>.Zero;
            var a1 = Vector256<double>.Zero;
            for (; i <= n - 8; i += 8)
            {
                var (lo, hi) = Vector256.Widen(Vector256.LoadUnsafe(ref r, (nuint)i));
                a0 += lo;
                a1 += hi;
            }
            sum = Vector256.Sum(a0 + a1);
        }
        for (; i < n; i++) sum += x[i];
        return sum;
    }

    /// <summary>Σ(x − mean)² in double.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static double SquaredDeviations(ReadOnlySpan<float> x, double mean)
    {
        ref float r = ref MemoryMarshal.GetReference(x);
        int n = x.Length, i = 0;
        double sum = 0;
        if (Vector256.IsHardwareAccelerated && n >= 8)
        {
            var m = Vector256.Create(mean);
            var a0 = Vector256<double>.Zero;
            var a1 = Vector256<double>.Zero;
            for (; i <= n - 8; i += 8)
            {
                var (lo, hi) = Vector256.Widen(Vector256.LoadUnsafe(ref r, (nuint)i));
                lo -= m;
                hi -= m;
                a0 = Vector256.FusedMultiplyAdd(lo, lo, a0);
                a1 = Vector256.FusedMultiplyAdd(hi, hi, a1);
            }
            sum = Vector256.Sum(a0 + a1);
        }
        for (; i < n; i++)
        {
            double d = x[i] - mean;
            sum += d * d;
        }
        return sum;
    }
}
