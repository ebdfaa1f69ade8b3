using KernelVision.Cpu.Gemm;
using KernelVision.Ops;
using Xunit;

namespace KernelVision.Cpu.Tests.Gemm;

/// <summary>The oracle: textbook triple loop in double, plus an error bound for a float result.</summary>
internal static class NaiveGemm
{
    /// <summary>Expected C and, per element, the magnitude the float rounding error scales with.</summary>
    public static (double[] C, double[] Scale) Compute(bool transA, bool transB, int m, int n, int k, float alpha,
        float[] a, int lda, float[] b, int ldb, float beta, float[] c0, int ldc, float[]? bias, GemmBias mode, FusedActivation act)
    {
        var c = new double[c0.Length];
        var scale = new double[c0.Length];
        for (int i = 0; i < c0.Length; i++) c[i] = c0[i]; // untouched padding stays as it was
        for (int i = 0; i < m; i++)
            for (int j = 0; j < n; j++)
            {
                double sum = 0, abs = 0;
                for (int p = 0; p < k; p++)
                {
                    double av = transA ? a[p * lda + i] : a[i * lda + p];
                    double bv = transB ? b[j * ldb + p] : b[p * ldb + j];
                    sum += av * bv;
                    abs += Math.Abs(av * bv);
                }
                double v = alpha * sum, s = Math.Abs(alpha) * abs;
                if (beta != 0)
                {
                    v += beta * (double)c0[i * ldc + j];
                    s += Math.Abs(beta * (double)c0[i * ldc + j]);
                }
                double bv2 = mode switch { GemmBias.PerRow => bias![i], GemmBias.PerColumn => bias![j], _ => 0 };
                v += bv2;
                s += Math.Abs(bv2);
                c[i * ldc + j] = act.Apply(v);
                scale[i * ldc + j] = s;
            }
        return (c, scale);
    }

    /// <summary>Checks a float result against the oracle: |got−want| ≤ (K+8)·2⁻²³·scale + 1e-6 (every activation is 1-Lipschitz).</summary>
    public static void AssertClose(double[] want, double[] scale, float[] got, int k, string what)
    {
        Assert.Equal(want.Length, got.Length);
        for (int i = 0; i < want.Length; i++)
        {
            double tol = (k + 8) * 1.2e-7 * scale[i] + 1e-6;
            if (double.IsNaN(want[i]) ? !float.IsNaN(got[i]) : !(Math.Abs(got[i] - want[i]) <= tol))
                Assert.Fail($"{what}: element {i}: expected {want[i]:G9}, got {got[i]:G9} (tolerance {tol:G3})");
        }
    }

    public static float[] Random(Random rng, int length, float lo = -1, float hi = 1)
    {
        var x = new float[length];
        for (int i = 0; i < x.Length; i++) x[i] = lo + (hi - lo) * (float)rng.NextDouble();
        return x;
    }
}
