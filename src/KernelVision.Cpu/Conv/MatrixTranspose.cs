using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics.X86;
using KernelVision.Cpu.Gemm;

namespace KernelVision.Cpu.Conv;

/// <summary>
/// Out-of-place float32 matrix transposition, for the transposed GEMM paths' results (Yᵀ, pixels ×
/// channels, back into Y). 8×8 blocks go through registers (the packing's register transpose);
/// the ragged edges element by element. Element by element throughout, the transposition cost
/// SqueezeNet's transposed 512→1000 classifier at 13×13 8 % of its time and MobileNetV2's
/// 320→1280 at 7×7 9 %.
/// </summary>
internal static unsafe class MatrixTranspose
{
    /// <summary>False transposes element by element throughout (benchmarks flip it to compare).</summary>
    internal static bool RegisterBlocks = true;

    /// <summary>False keeps a parallel conv's transposition on the calling thread (benchmarks flip it to compare).</summary>
    internal static bool Shared = true;

    /// <summary>Columns per cache block: a block's 32 source rows and 32 destination rows stay in L1.</summary>
    public const int Block = 32;

    /// <summary>dst[j, i] = src[i, j] for a <paramref name="rows"/> × <paramref name="cols"/> source (row-major, no padding).</summary>
    public static void Transpose(float* src, int rows, int cols, float* dst) => TransposeColumns(src, rows, cols, dst, 0, cols);

    /// <summary>
    /// <see cref="Transpose"/> of the source's columns [<paramref name="c0"/>, <paramref name="c1"/>)
    /// only (destination rows c0 to c1), so threads can share a transposition; c0 a multiple of <see cref="Block"/>.
    /// </summary>
    public static void TransposeColumns(float* src, int rows, int cols, float* dst, int c0, int c1) =>
        TransposeRegion(src, rows, cols, dst, 0, rows, c0, c1);

    /// <summary>
    /// <see cref="Transpose"/> of the source's rows [<paramref name="r0"/>, <paramref name="r1"/>) ×
    /// columns [<paramref name="c0"/>, <paramref name="c1"/>) only: a GEMM task's own region of Yᵀ, put
    /// back by the thread that computed it while it is in that core's cache.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void TransposeRegion(float* src, int rows, int cols, float* dst, int r0, int r1, int c0, int c1)
    {
        const int B = Block;
        bool vector = Avx.IsSupported && RegisterBlocks;
        for (int i0 = r0; i0 < r1; i0 += B)
            for (int j0 = c0; j0 < c1; j0 += B)
            {
                int i1 = Math.Min(r1, i0 + B), j1 = Math.Min(c1, j0 + B);
                int i8 = vector ? i0 + (i1 - i0) / 8 * 8 : i0, j8 = vector ? j0 + (j1 - j0) / 8 * 8 : j0;
                for (int i = i0; i < i8; i += 8)
                    for (int j = j0; j < j8; j += 8) GemmPacking.Transpose8(src + (long)i * cols + j, cols, 8, dst + (long)j * rows + i, rows);
                // The ragged right columns of the full rows, then the ragged bottom rows.
                Scalar(src, rows, cols, dst, i0, i8, j8, j1);
                Scalar(src, rows, cols, dst, i8, i1, j0, j1);
            }
    }

    private static void Scalar(float* src, int rows, int cols, float* dst, int i0, int i1, int j0, int j1)
    {
        for (int j = j0; j < j1; j++)
        {
            float* d = dst + (long)j * rows;
            for (int i = i0; i < i1; i++) d[i] = src[(long)i * cols + j];
        }
    }
}
