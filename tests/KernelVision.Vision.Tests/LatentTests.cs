using Xunit;

namespace KernelVision.Vision.Tests;

public class LatentTests
{
    [Fact]
    public void SplitMix64MatchesTheReferenceSequence()
    {
        // First outputs of Vigna's splitmix64.c seeded with 0.
        ulong x = 0;
        Assert.Equal(0xE220A8397B1DCDAFUL, LatentRng.SplitMix64(ref x));
        Assert.Equal(0x6E789E6AA1B965F4UL, LatentRng.SplitMix64(ref x));
        Assert.Equal(0x06C45D188009454FUL, LatentRng.SplitMix64(ref x));
    }

    [Fact]
    public void Xoshiro256StarStarStepByHand()
    {
        // State from SplitMix64(0): result = rotl(s1 · 5, 7) · 9 with s1 the second state word.
        var rng = new LatentRng(0);
        ulong s1 = 0x6E789E6AA1B965F4UL;
        ulong m = s1 * 5;
        ulong expected = ((m << 7) | (m >> 57)) * 9;
        Assert.Equal(expected, rng.NextUInt64());
    }

    [Fact]
    public void SameSeedSameLatentsDifferentSeedsDiffer()
    {
        var a = LatentRng.Latents(42, 3, 100);
        var b = LatentRng.Latents(42, 3, 100);
        var c = LatentRng.Latents(43, 3, 100);
        for (int i = 0; i < 3; i++) Assert.Equal(a[i], b[i]);
        Assert.NotEqual(a[0], c[0]);
        // Latent i of a seed is the i-th slice of one stream: the first latent of (seed, count 1) equals that of (seed, count 3).
        Assert.Equal(a[0], LatentRng.Latents(42, 1, 100)[0]);
    }

    [Fact]
    public void GaussianMomentsAreStandard()
    {
        var rng = new LatentRng(7);
        const int n = 200_000;
        double sum = 0, sq = 0, four = 0;
        for (int i = 0; i < n; i++)
        {
            double z = rng.NextGaussian();
            sum += z; sq += z * z; four += z * z * z * z;
        }
        double mean = sum / n, variance = sq / n - mean * mean;
        Assert.InRange(mean, -0.01, 0.01);
        Assert.InRange(variance, 0.98, 1.02);
        Assert.InRange(four / n, 2.85, 3.15); // kurtosis of a normal is 3
    }

    [Fact]
    public void UniformsStayInRange()
    {
        var rng = new LatentRng(1);
        for (int i = 0; i < 10_000; i++) Assert.InRange(rng.NextDouble(), 0.0, 1.0 - 1e-17);
    }

    [Fact]
    public void SlerpEndpointsMidpointAndFallback()
    {
        float[] a = [1, 0], b = [0, 1];
        Assert.Equal(a, LatentMath.Slerp(a, b, 0));
        var end = LatentMath.Slerp(a, b, 1);
        Assert.Equal(0, end[0], 6);
        Assert.Equal(1, end[1], 6);
        // Midway between orthogonal unit vectors: (√½, √½), still unit length (lerp would give length √½).
        var mid = LatentMath.Slerp(a, b, 0.5);
        Assert.Equal(MathF.Sqrt(0.5f), mid[0], 6);
        Assert.Equal(MathF.Sqrt(0.5f), mid[1], 6);
        // A third of the way: angle 30°.
        var third = LatentMath.Slerp(a, b, 1.0 / 3);
        Assert.Equal(MathF.Cos(MathF.PI / 6), third[0], 6);
        Assert.Equal(0.5f, third[1], 6);
        // Parallel vectors fall back to linear interpolation.
        Assert.Equal([2f, 0f], LatentMath.Slerp([1, 0], [3, 0], 0.5));
        Assert.Equal([0.5f, 0.5f], LatentMath.Slerp([0, 0], [1, 1], 0.5));
        Assert.Throws<ArgumentException>(() => LatentMath.Slerp([1], [1, 2], 0.5));
    }

    [Fact]
    public void SlerpPathHasStepsIncludingEnds()
    {
        var a = LatentRng.Latents(1, 1, 16)[0];
        var b = LatentRng.Latents(2, 1, 16)[0];
        var path = LatentMath.SlerpPath(a, b, 5);
        Assert.Equal(5, path.Length);
        Assert.Equal(a, path[0]);
        for (int i = 0; i < 16; i++) Assert.Equal(b[i], path[4][i], 5);
        Assert.Throws<ArgumentOutOfRangeException>(() => LatentMath.SlerpPath(a, b, 1));
    }
}
