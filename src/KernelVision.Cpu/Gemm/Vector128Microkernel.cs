using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace KernelVision.Cpu.Gemm;

// Vector128Microkernel and Vector512Microkernel share one structure line for line; keep them in step.
/// <summary>
/// 6×8 microkernel on Vector128: SSE/AVX without 256-bit FMA, and Arm AdvSimd (fmla) through the
/// cross-platform Vector128 API. MultiplyAddEstimate fuses where the hardware has FMA and falls back
/// to multiply+add elsewhere, so it is fast on every platform (never a software FMA).
/// </summary>
internal static unsafe class Vector128Microkernel
{
    public const int MR = 6, NR = 8;

    public static bool IsHardwareAccelerated => Vector128.IsHardwareAccelerated;

    /// <summary>C[0..6, 0..8] (row stride <paramref name="ldc"/>) ⊕= Σ_k a[k*6+i]·b[k*8+j], finished by <paramref name="e"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Run(nint kc, float* a, float* b, float* c, nint ldc, ref TileEpilogue e)
    {
        Vector128<float> c00 = Vector128<float>.Zero, c01 = Vector128<float>.Zero;
        Vector128<float> c10 = Vector128<float>.Zero, c11 = Vector128<float>.Zero;
        Vector128<float> c20 = Vector128<float>.Zero, c21 = Vector128<float>.Zero;
        Vector128<float> c30 = Vector128<float>.Zero, c31 = Vector128<float>.Zero;
        Vector128<float> c40 = Vector128<float>.Zero, c41 = Vector128<float>.Zero;
        Vector128<float> c50 = Vector128<float>.Zero, c51 = Vector128<float>.Zero;
        for (; kc > 0; kc--)
        {
            Vector128<float> b0 = Vector128.Load(b);
            Vector128<float> b1 = Vector128.Load(b + 4);
            Vector128<float> a0 = Vector128.Create(a[0]);
            c00 = Vector128.MultiplyAddEstimate(a0, b0, c00); c01 = Vector128.MultiplyAddEstimate(a0, b1, c01);
            Vector128<float> a1 = Vector128.Create(a[1]);
            c10 = Vector128.MultiplyAddEstimate(a1, b0, c10); c11 = Vector128.MultiplyAddEstimate(a1, b1, c11);
            Vector128<float> a2 = Vector128.Create(a[2]);
            c20 = Vector128.MultiplyAddEstimate(a2, b0, c20); c21 = Vector128.MultiplyAddEstimate(a2, b1, c21);
            Vector128<float> a3 = Vector128.Create(a[3]);
            c30 = Vector128.MultiplyAddEstimate(a3, b0, c30); c31 = Vector128.MultiplyAddEstimate(a3, b1, c31);
            Vector128<float> a4 = Vector128.Create(a[4]);
            c40 = Vector128.MultiplyAddEstimate(a4, b0, c40); c41 = Vector128.MultiplyAddEstimate(a4, b1, c41);
            Vector128<float> a5 = Vector128.Create(a[5]);
            c50 = Vector128.MultiplyAddEstimate(a5, b0, c50); c51 = Vector128.MultiplyAddEstimate(a5, b1, c51);
            a += 6;
            b += 8;
        }
        if (e.IsPlain && e.Beta == 0f)
        {
            c00.Store(c); c01.Store(c + 4); c += ldc;
            c10.Store(c); c11.Store(c + 4); c += ldc;
            c20.Store(c); c21.Store(c + 4); c += ldc;
            c30.Store(c); c31.Store(c + 4); c += ldc;
            c40.Store(c); c41.Store(c + 4); c += ldc;
            c50.Store(c); c51.Store(c + 4);
            return;
        }
        StoreRow(c, c00, c01, 0, ref e); c += ldc;
        StoreRow(c, c10, c11, 1, ref e); c += ldc;
        StoreRow(c, c20, c21, 2, ref e); c += ldc;
        StoreRow(c, c30, c31, 3, ref e); c += ldc;
        StoreRow(c, c40, c41, 4, ref e); c += ldc;
        StoreRow(c, c50, c51, 5, ref e);
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void StoreRow(float* c, Vector128<float> v0, Vector128<float> v1, int row, ref TileEpilogue e)
    {
        if (e.Alpha != 1f) { v0 *= e.Alpha; v1 *= e.Alpha; }
        if (e.Beta == 1f) { v0 += Vector128.Load(c); v1 += Vector128.Load(c + 4); }
        else if (e.Beta != 0f) { v0 += Vector128.Load(c) * e.Beta; v1 += Vector128.Load(c + 4) * e.Beta; }
        if (e.Last)
        {
            if (e.RowBias != null) { var rb = Vector128.Create(e.RowBias[row]); v0 += rb; v1 += rb; }
            if (e.ColBias != null) { v0 += Vector128.Load(e.ColBias); v1 += Vector128.Load(e.ColBias + 4); }
            v0 = VectorActivation.Apply(v0, e);
            v1 = VectorActivation.Apply(v1, e);
        }
        v0.Store(c);
        v1.Store(c + 4);
        if (e.Last && e.PostAct) e.Post(c, NR);
    }
}
