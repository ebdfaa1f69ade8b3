using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace KernelVision.Cpu.Gemm;

// Vector128Microkernel and Vector512Microkernel share one structure line for line; keep them in step.
/// <summary>
/// 6×32 FMA microkernel on Vector512 (Avx512F): 12 zmm accumulators, 2 B vectors, 1 broadcast.
/// Written with the cross-platform Vector512 API, which compiles to vfmadd231ps zmm on Avx512F and
/// runs (slowly, in software) elsewhere: that lets the tests check this path on any machine.
/// </summary>
internal static unsafe class Vector512Microkernel
{
    public const int MR = 6, NR = 32;

    public static bool IsHardwareAccelerated => Vector512.IsHardwareAccelerated;

    /// <summary>C[0..6, 0..32] (row stride <paramref name="ldc"/>) ⊕= Σ_k a[k*6+i]·b[k*32+j], finished by <paramref name="e"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Run(nint kc, float* a, float* b, float* c, nint ldc, ref TileEpilogue e)
    {
        Vector512<float> c00 = Vector512<float>.Zero, c01 = Vector512<float>.Zero;
        Vector512<float> c10 = Vector512<float>.Zero, c11 = Vector512<float>.Zero;
        Vector512<float> c20 = Vector512<float>.Zero, c21 = Vector512<float>.Zero;
        Vector512<float> c30 = Vector512<float>.Zero, c31 = Vector512<float>.Zero;
        Vector512<float> c40 = Vector512<float>.Zero, c41 = Vector512<float>.Zero;
        Vector512<float> c50 = Vector512<float>.Zero, c51 = Vector512<float>.Zero;
        for (; kc > 0; kc--)
        {
            Vector512<float> b0 = Vector512.Load(b);
            Vector512<float> b1 = Vector512.Load(b + 16);
            Vector512<float> a0 = Vector512.Create(a[0]);
            c00 = Vector512.FusedMultiplyAdd(a0, b0, c00); c01 = Vector512.FusedMultiplyAdd(a0, b1, c01);
            Vector512<float> a1 = Vector512.Create(a[1]);
            c10 = Vector512.FusedMultiplyAdd(a1, b0, c10); c11 = Vector512.FusedMultiplyAdd(a1, b1, c11);
            Vector512<float> a2 = Vector512.Create(a[2]);
            c20 = Vector512.FusedMultiplyAdd(a2, b0, c20); c21 = Vector512.FusedMultiplyAdd(a2, b1, c21);
            Vector512<float> a3 = Vector512.Create(a[3]);
            c30 = Vector512.FusedMultiplyAdd(a3, b0, c30); c31 = Vector512.FusedMultiplyAdd(a3, b1, c31);
            Vector512<float> a4 = Vector512.Create(a[4]);
            c40 = Vector512.FusedMultiplyAdd(a4, b0, c40); c41 = Vector512.FusedMultiplyAdd(a4, b1, c41);
            Vector512<float> a5 = Vector512.Create(a[5]);
            c50 = Vector512.FusedMultiplyAdd(a5, b0, c50); c51 = Vector512.FusedMultiplyAdd(a5, b1, c51);
            a += 6;
            b += 32;
        }
        if (e.IsPlain && e.Beta == 0f)
        {
            c00.Store(c); c01.Store(c + 16); c += ldc;
            c10.Store(c); c11.Store(c + 16); c += ldc;
            c20.Store(c); c21.Store(c + 16); c += ldc;
            c30.Store(c); c31.Store(c + 16); c += ldc;
            c40.Store(c); c41.Store(c + 16); c += ldc;
            c50.Store(c); c51.Store(c + 16);
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
    private static void StoreRow(float* c, Vector512<float> v0, Vector512<float> v1, int row, ref TileEpilogue e)
    {
        if (e.Alpha != 1f) { v0 *= e.Alpha; v1 *= e.Alpha; }
        if (e.Beta == 1f) { v0 += Vector512.Load(c); v1 += Vector512.Load(c + 16); }
        else if (e.Beta != 0f) { v0 += Vector512.Load(c) * e.Beta; v1 += Vector512.Load(c + 16) * e.Beta; }
        if (e.Last)
        {
            if (e.RowBias != null) { var rb = Vector512.Create(e.RowBias[row]); v0 += rb; v1 += rb; }
            if (e.ColBias != null) { v0 += Vector512.Load(e.ColBias); v1 += Vector512.Load(e.ColBias + 16); }
            v0 = VectorActivation.Apply(v0, e);
            v1 = VectorActivation.Apply(v1, e);
        }
        v0.Store(c);
        v1.Store(c + 16);
        if (e.Last && e.PostAct) e.Post(c, NR);
    }
}
