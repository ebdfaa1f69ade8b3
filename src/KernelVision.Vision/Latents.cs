namespace KernelVision.Vision;

/// <summary>
/// KernelVision's own deterministic Gaussian generator, so a seed gives the same latents on every
/// machine and .NET version (System.Random makes no such promise). The 64-bit seed is expanded with
/// SplitMix64 into the 256-bit state of xoshiro256** (Blackman and Vigna, 2018); uniforms are the top
/// 53 bits of each output, u = (x » 11) · 2⁻⁵³ ∈ [0, 1); normals come from the Box–Muller transform
/// z₀ = √(−2 ln(1 − u₁)) · cos(2π u₂), z₁ = √(−2 ln(1 − u₁)) · sin(2π u₂), used in that order.
/// </summary>
public sealed class LatentRng
{
    private ulong _s0, _s1, _s2, _s3;
    private double? _spare;

    /// <summary>Seeds the generator.</summary>
    public LatentRng(ulong seed)
    {
        ulong x = seed;
        _s0 = SplitMix64(ref x);
        _s1 = SplitMix64(ref x);
        _s2 = SplitMix64(ref x);
        _s3 = SplitMix64(ref x);
    }

    /// <summary>SplitMix64 step (Steele, Lea and Flood): advances <paramref name="x"/> and returns the mixed value.</summary>
    public static ulong SplitMix64(ref ulong x)
    {
        ulong z = x += 0x9E3779B97F4A7C15UL;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }

    /// <summary>Next raw 64-bit output of xoshiro256**.</summary>
    public ulong NextUInt64()
    {
        ulong result = RotL(_s1 * 5, 7) * 9;
        ulong t = _s1 << 17;
        _s2 ^= _s0;
        _s3 ^= _s1;
        _s1 ^= _s2;
        _s0 ^= _s3;
        _s2 ^= t;
        _s3 = RotL(_s3, 45);
        return result;
    }

    /// <summary>Uniform in [0, 1) with 53 random bits.</summary>
    public double NextDouble() => (NextUInt64() >> 11) * (1.0 / (1UL << 53));

    /// <summary>Standard normal N(0, 1).</summary>
    public double NextGaussian()
    {
        if (_spare is double s) { _spare = null; return s; }
        double u1 = NextDouble(), u2 = NextDouble();
        double r = Math.Sqrt(-2.0 * Math.Log(1.0 - u1)); // 1 − u1 ∈ (0, 1]: never log(0)
        double theta = 2.0 * Math.PI * u2;
        _spare = r * Math.Sin(theta);
        return r * Math.Cos(theta);
    }

    /// <summary>Fills <paramref name="dst"/> with standard normals (as float32).</summary>
    public void FillGaussian(Span<float> dst)
    {
        for (int i = 0; i < dst.Length; i++) dst[i] = (float)NextGaussian();
    }

    /// <summary><paramref name="count"/> latent vectors of <paramref name="size"/> normals each, drawn in order from one stream seeded with <paramref name="seed"/>.</summary>
    public static float[][] Latents(ulong seed, int count, int size)
    {
        var rng = new LatentRng(seed);
        var z = new float[count][];
        for (int i = 0; i < count; i++)
        {
            z[i] = new float[size];
            rng.FillGaussian(z[i]);
        }
        return z;
    }

    private static ulong RotL(ulong x, int k) => (x << k) | (x >> (64 - k));
}

/// <summary>Interpolation between latent vectors.</summary>
public static class LatentMath
{
    /// <summary>
    /// Spherical linear interpolation: slerp(a, b, t) = sin((1−t)Ω)/sin Ω · a + sin(tΩ)/sin Ω · b with Ω the
    /// angle between a and b. It keeps the latent's norm near the shell where Gaussian samples live (a
    /// straight line through the middle passes through unusually short, low-quality latents). Falls back
    /// to linear interpolation when a and b are (anti)parallel or zero.
    /// </summary>
    public static float[] Slerp(ReadOnlySpan<float> a, ReadOnlySpan<float> b, double t)
    {
        if (a.Length != b.Length) throw new ArgumentException($"latents differ in size: {a.Length} and {b.Length}");
        double dot = 0, na = 0, nb = 0;
        for (int i = 0; i < a.Length; i++) { dot += (double)a[i] * b[i]; na += (double)a[i] * a[i]; nb += (double)b[i] * b[i]; }
        var r = new float[a.Length];
        double denom = Math.Sqrt(na * nb);
        double cos = denom > 0 ? Math.Clamp(dot / denom, -1, 1) : 1;
        double omega = Math.Acos(cos), so = Math.Sin(omega);
        double wa, wb;
        if (denom == 0 || so < 1e-6) { wa = 1 - t; wb = t; }
        else { wa = Math.Sin((1 - t) * omega) / so; wb = Math.Sin(t * omega) / so; }
        for (int i = 0; i < a.Length; i++) r[i] = (float)(wa * a[i] + wb * b[i]);
        return r;
    }

    /// <summary>Linear interpolation (1−t)·a + t·b.</summary>
    public static float[] Lerp(ReadOnlySpan<float> a, ReadOnlySpan<float> b, double t)
    {
        if (a.Length != b.Length) throw new ArgumentException($"vectors differ in size: {a.Length} and {b.Length}");
        var r = new float[a.Length];
        for (int i = 0; i < a.Length; i++) r[i] = (float)((1 - t) * a[i] + t * b[i]);
        return r;
    }

    /// <summary><paramref name="steps"/> points from a to b inclusive (steps ≥ 2), by slerp.</summary>
    public static float[][] SlerpPath(float[] a, float[] b, int steps)
    {
        if (steps < 2) throw new ArgumentOutOfRangeException(nameof(steps), "an interpolation needs at least 2 steps");
        return Enumerable.Range(0, steps).Select(i => Slerp(a, b, (double)i / (steps - 1))).ToArray();
    }
}
