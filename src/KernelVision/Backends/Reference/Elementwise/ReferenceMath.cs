namespace KernelVision.Backends.Reference.Elementwise;

/// <summary>Math functions .NET does not provide, written for accuracy rather than speed.</summary>
internal static class ReferenceMath
{
    /// <summary>
    /// The error function erf(x) = 2/√π ∫₀ˣ e^(−t²) dt, to about double precision.
    /// Uses the series erf(x) = 2/√π · e^(−x²) · Σ 2ⁿ x^(2n+1) / (1·3·…·(2n+1)), whose terms are all
    /// positive (no cancellation). Beyond |x| = 6, 1 − |erf(x)| is below 1e-17, so erf is ±1.
    /// </summary>
    public static double Erf(double x)
    {
        if (double.IsNaN(x)) return double.NaN;
        double ax = Math.Abs(x);
        if (ax >= 6) return Math.Sign(x);
        double term = ax, sum = ax;
        for (int n = 0; n < 500; n++)
        {
            term *= 2 * ax * ax / (2 * n + 3);
            sum += term;
            if (term < sum * 1e-17) break;
        }
        double r = 2 / Math.Sqrt(Math.PI) * Math.Exp(-ax * ax) * sum;
        return x < 0 ? -r : r;
    }
}
