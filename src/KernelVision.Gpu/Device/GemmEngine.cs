using ILGPU;

namespace KernelVision.Gpu.Device;

/// <summary>Compile-time tile shape of the GEMM engine: TM×TN outputs per group, K-step TK, RM×RN outputs per thread.</summary>
public interface IGemmTile
{
    /// <summary>Rows (M) of the output tile.</summary>
    int TM { get; }
    /// <summary>Columns (N) of the output tile.</summary>
    int TN { get; }
    /// <summary>K elements staged in shared memory per step.</summary>
    int TK { get; }
    /// <summary>Rows each thread accumulates in registers.</summary>
    int RM { get; }
    /// <summary>Columns each thread accumulates in registers.</summary>
    int RN { get; }
}

/// <summary>16×16 tile, 16 threads: devices whose groups are too small for the 256-thread tiles.</summary>
public struct Tile16 : IGemmTile
{
    /// <inheritdoc/>
    public readonly int TM => 16;
    /// <inheritdoc/>
    public readonly int TN => 16;
    /// <inheritdoc/>
    public readonly int TK => 8;
    /// <inheritdoc/>
    public readonly int RM => 4;
    /// <inheritdoc/>
    public readonly int RN => 4;
}

/// <summary>
/// 64×64 tile, K-step 64, 16×16 per thread, 16 threads: the simulator's tile. Each simulated barrier
/// costs ~0.1–1 ms of OS thread scheduling, so a group does as much arithmetic per barrier as it can
/// (32× the work of <see cref="Tile16"/> per barrier pair); the register-heavy shape would spill on a real GPU.
/// </summary>
public struct TileSim : IGemmTile
{
    /// <inheritdoc/>
    public readonly int TM => 64;
    /// <inheritdoc/>
    public readonly int TN => 64;
    /// <inheritdoc/>
    public readonly int TK => 64;
    /// <inheritdoc/>
    public readonly int RM => 16;
    /// <inheritdoc/>
    public readonly int RN => 16;
}

/// <summary>64×64 tile, 256 threads, 4×4 per thread.</summary>
public struct Tile64 : IGemmTile
{
    /// <inheritdoc/>
    public readonly int TM => 64;
    /// <inheritdoc/>
    public readonly int TN => 64;
    /// <inheritdoc/>
    public readonly int TK => 16;
    /// <inheritdoc/>
    public readonly int RM => 4;
    /// <inheritdoc/>
    public readonly int RN => 4;
}

/// <summary>128×128 tile, 256 threads, 8×8 per thread.</summary>
public struct Tile128 : IGemmTile
{
    /// <inheritdoc/>
    public readonly int TM => 128;
    /// <inheritdoc/>
    public readonly int TN => 128;
    /// <inheritdoc/>
    public readonly int TK => 8;
    /// <inheritdoc/>
    public readonly int RM => 8;
    /// <inheritdoc/>
    public readonly int RN => 8;
}

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
/// The tiled GEMM: each group stages a TM×TK slice of A and a TK×TN slice of B in shared memory,
/// each thread accumulates an RM×RN block in registers (rows strided by TM/RM, columns by TN/RN so
/// a warp's shared-memory reads and global stores are contiguous). Ragged edges load zeros and
/// skip stores. Grid: (ceil(N/TN), ceil(M/TM), slices); group: (TM/RM)·(TN/RN) threads.
/// </summary>
public static class GemmEngine
{
    /// <summary>The kernel (explicitly grouped).</summary>
    public static void Kernel<TTile, TProblem>(TProblem p)
        where TTile : struct, IGemmTile
        where TProblem : struct, IGemmProblem
    {
        TTile t = default;
        int tm = t.TM, tn = t.TN, tk = t.TK, rm = t.RM, rn = t.RN;
        var aTile = SharedMemory.Allocate<float>(default(TTile).TK * default(TTile).TM);
        var bTile = SharedMemory.Allocate<float>(default(TTile).TK * default(TTile).TN);
        var acc = LocalMemory.Allocate<float>(default(TTile).RM * default(TTile).RN);
        var aReg = LocalMemory.Allocate<float>(default(TTile).RM);
        var bReg = LocalMemory.Allocate<float>(default(TTile).RN);

        int colThreads = tn / rn, rowThreads = tm / rm;
        int threads = colThreads * rowThreads;
        int tid = Group.IdxX;
        int tx = tid % colThreads, ty = tid / colThreads;
        int m0 = Grid.IdxY * tm, n0 = Grid.IdxX * tn, z = Grid.IdxZ;
        int mTotal = p.M, nTotal = p.N, kTotal = p.K;

        for (int i = 0; i < rm * rn; i++) acc[i] = 0f;

        for (int k0 = 0; k0 < kTotal; k0 += tk)
        {
            // k fastest: consecutive threads read consecutive A columns (rows of W are contiguous).
            for (int e = tid; e < tm * tk; e += threads)
            {
                int mm = e / tk, kk = e - mm * tk;
                int m = m0 + mm, k = k0 + kk;
                aTile[kk * tm + mm] = m < mTotal && k < kTotal ? p.A(z, m, k) : 0f;
            }
            // n fastest: consecutive threads read consecutive output positions.
            for (int e = tid; e < tk * tn; e += threads)
            {
                int kk = e / tn, nn = e - kk * tn;
                int k = k0 + kk, n = n0 + nn;
                bTile[kk * tn + nn] = k < kTotal && n < nTotal ? p.B(z, k, n) : 0f;
            }
            Group.Barrier();
            for (int kk = 0; kk < tk; kk++)
            {
                for (int i = 0; i < rm; i++) aReg[i] = aTile[kk * tm + ty + i * rowThreads];
                for (int j = 0; j < rn; j++) bReg[j] = bTile[kk * tn + tx + j * colThreads];
                for (int i = 0; i < rm; i++)
                    for (int j = 0; j < rn; j++)
                        acc[i * rn + j] += aReg[i] * bReg[j];
            }
            Group.Barrier();
        }

        for (int i = 0; i < rm; i++)
        {
            int m = m0 + ty + i * rowThreads;
            if (m >= mTotal) continue;
            for (int j = 0; j < rn; j++)
            {
                int n = n0 + tx + j * colThreads;
                if (n < nTotal) p.Store(z, m, n, acc[i * rn + j]);
            }
        }
    }

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

