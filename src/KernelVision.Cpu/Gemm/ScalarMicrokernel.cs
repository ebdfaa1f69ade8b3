using System.Runtime.CompilerServices;

namespace KernelVision.Cpu.Gemm;

/// <summary>
/// 4×4 scalar microkernel for hardware without SIMD acceleration: 16 float accumulators fit the
/// general-purpose register file of most targets.
/// </summary>
internal static unsafe class ScalarMicrokernel
{
    public const int MR = 4, NR = 4;

    /// <summary>C[0..4, 0..4] ⊕= Σ_k a[k*4+i]·b[k*4+j], finished by <paramref name="e"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Run(nint kc, float* a, float* b, float* c, nint ldc, ref TileEpilogue e)
    {
        float c00 = 0, c01 = 0, c02 = 0, c03 = 0, c10 = 0, c11 = 0, c12 = 0, c13 = 0;
        float c20 = 0, c21 = 0, c22 = 0, c23 = 0, c30 = 0, c31 = 0, c32 = 0, c33 = 0;
        for (; kc > 0; kc--)
        {
            float b0 = b[0], b1 = b[1], b2 = b[2], b3 = b[3];
            float a0 = a[0];
            c00 += a0 * b0; c01 += a0 * b1; c02 += a0 * b2; c03 += a0 * b3;
            float a1 = a[1];
            c10 += a1 * b0; c11 += a1 * b1; c12 += a1 * b2; c13 += a1 * b3;
            float a2 = a[2];
            c20 += a2 * b0; c21 += a2 * b1; c22 += a2 * b2; c23 += a2 * b3;
            float a3 = a[3];
            c30 += a3 * b0; c31 += a3 * b1; c32 += a3 * b2; c33 += a3 * b3;
            a += 4;
            b += 4;
        }
        float* acc = stackalloc float[16]
        {
            c00, c01, c02, c03, c10, c11, c12, c13, c20, c21, c22, c23, c30, c31, c32, c33,
        };
        e.StoreScalar(acc, NR, c, ldc, MR, NR);
    }
}
