using ILGPU;

namespace KernelVision.Gpu.Device;

/// <summary>
/// A matrix product C[z] = A[z]·B[z] the engine computes without materialising A or B: the problem
/// says how to read A(m,k) and B(k,n) (e.g. implicit im2col for convolution) and how to store an
/// accumulated C(m,n) (bias, activation and layout: the fused epilogue). z is the grid's third axis
/// (batch or channel group).
/// </summary>
public interface IGemmProblem
{
    /// <summary>Rows of C.</summary>
    int M { get; }
    /// <summary>Columns of C.</summary>
    int N { get; }
    /// <summary>Reduction length.</summary>
    int K { get; }
    /// <summary>Element (m, k) of A for slice z (in range).</summary>
    float A(int z, int m, int k);
    /// <summary>Element (k, n) of B for slice z (in range).</summary>
    float B(int z, int k, int n);
    /// <summary>Writes the finished dot product of (m, n) for slice z.</summary>
    void Store(int z, int m, int n, float acc);
}

/// <summary>
/// What is left of the original looped GEMM engine: its split-K reduction, which the register-tiled
/// kernels (<see cref="PackedGemm"/>) share. (The looped kernel kept its accumulators in .local
/// memory, divided in its loaders and synchronised twice per K step; PackedGemm replaced it.)
/// </summary>
public static class GemmEngine
{
    /// <summary>
    /// Finishes a split-K product: output i of slices·M·N (grid-stride) is the sum of its Splits
    /// partials, stored through the inner problem's epilogue.
    /// </summary>
    public static void ReduceSplitK<TProblem>(Index1D thread, ElementRange r, SplitKReduceArgs<TProblem> a)
        where TProblem : struct, IGemmProblem
    {
        var sp = a.Split;
        int m = sp.Inner.M, n = sp.Inner.N, splits = sp.Splits;
        long mn = (long)m * n;
        for (int i = thread; i < r.Count; i += r.Stride)
        {
            int z = (int)(i / mn);
            long rest = i - z * mn;
            int row = (int)(rest / n), col = (int)(rest - (long)row * n);
            long at = (long)z * splits * mn + rest;
            float sum = 0f;
            for (int s = 0; s < splits; s++, at += mn) sum += sp.Partial[at];
            sp.Inner.Store(z, row, col, sum);
        }
    }
}

/// <summary>
/// Split-K view of a GEMM problem: slice z of the grid is (inner slice z / Splits, K chunk
/// z mod Splits), each computing a partial product over <see cref="Chunk"/> of K into
/// <see cref="Partial"/>. Small outputs with a long K (ResNet's 512×49 last stage, K = 4608) give a
/// GPU too few tiles to fill its multiprocessors; splitting K multiplies the groups, and
/// <see cref="GemmEngine.ReduceSplitK{TProblem}"/> sums the partials and runs the inner problem's
/// epilogue (bias, activation, layout) once per output.
/// </summary>
public struct SplitKProblem<TProblem> : IGemmProblem where TProblem : struct, IGemmProblem
{
    /// <summary>The problem being split.</summary>
    public TProblem Inner;
    /// <summary>Partial sums [inner slice][split][M][N].</summary>
    public ArrayView<float> Partial;
    /// <summary>Number of K chunks.</summary>
    public int Splits;
    /// <summary>K elements per chunk (the last may be shorter).</summary>
    public int Chunk;

    /// <inheritdoc/>
    public readonly int M => Inner.M;
    /// <inheritdoc/>
    public readonly int N => Inner.N;
    /// <inheritdoc/>
    public readonly int K => Chunk;

    /// <inheritdoc/>
    public readonly float A(int z, int m, int k)
    {
        int kk = z % Splits * Chunk + k;
        return kk < Inner.K ? Inner.A(z / Splits, m, kk) : 0f;
    }

    /// <inheritdoc/>
    public readonly float B(int z, int k, int n)
    {
        int kk = z % Splits * Chunk + k;
        return kk < Inner.K ? Inner.B(z / Splits, kk, n) : 0f;
    }

    /// <inheritdoc/>
    public readonly void Store(int z, int m, int n, float acc) => Partial[((long)z * Inner.M + m) * Inner.N + n] = acc;
}

/// <summary>Arguments of <see cref="GemmEngine.ReduceSplitK{TProblem}"/>.</summary>
public struct SplitKReduceArgs<TProblem> where TProblem : struct, IGemmProblem
{
    /// <summary>The split problem (its inner problem stores the results).</summary>
    public SplitKProblem<TProblem> Split;
}

