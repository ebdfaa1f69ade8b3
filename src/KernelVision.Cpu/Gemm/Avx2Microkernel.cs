using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace KernelVision.Cpu.Gemm;

/// <summary>
/// 6×16 FMA microkernel for Avx2+Fma: 12 Vector256 accumulators, two B vectors and one broadcast A
/// value fill 15 of the 16 ymm registers. Each k step issues 12 FMAs against 2 loads and 6
/// broadcasts, so both FMA ports stay busy (12 independent chains cover the 4-cycle FMA latency
/// of two ports: 8 would do).
/// </summary>
internal static unsafe class Avx2Microkernel
{
    public const int MR = 6, NR = 16;

    public static bool IsSupported => Avx2.IsSupported && Fma.IsSupported;

    /// <summary>
    /// C[0..6, 0..16] (row stride <paramref name="ldc"/>) ⊕= Σ_k a[k*6+i]·b[k*16+j] over <paramref name="kc"/> steps,
    /// finished by the epilogue <paramref name="e"/>.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Run(nint kc, float* a, float* b, float* c, nint ldc, ref TileEpilogue e)
    {
        // Pull the C tile towards L1 while the k loop runs: with large N its rows are far apart and
        // would otherwise miss at the store, once per K block.
        float* pf = c;
        for (int r = 0; r < MR; r++, pf += ldc)
        {
            Sse.Prefetch0(pf);
            Sse.Prefetch0(pf + (NR - 1));
        }

        Vector256<float> c00 = Vector256<float>.Zero, c01 = Vector256<float>.Zero;
        Vector256<float> c10 = Vector256<float>.Zero, c11 = Vector256<float>.Zero;
        Vector256<float> c20 = Vector256<float>.Zero, c21 = Vector256<float>.Zero;
        Vector256<float> c30 = Vector256<float>.Zero, c31 = Vector256<float>.Zero;
        Vector256<float> c40 = Vector256<float>.Zero, c41 = Vector256<float>.Zero;
        Vector256<float> c50 = Vector256<float>.Zero, c51 = Vector256<float>.Zero;

        // Two k steps per iteration halve the loop overhead.
        for (; kc >= 2; kc -= 2)
        {
            Vector256<float> b0 = Avx.LoadVector256(b);
            Vector256<float> b1 = Avx.LoadVector256(b + 8);
            Vector256<float> av = Avx.BroadcastScalarToVector256(a);
            c00 = Fma.MultiplyAdd(av, b0, c00); c01 = Fma.MultiplyAdd(av, b1, c01);
            av = Avx.BroadcastScalarToVector256(a + 1);
            c10 = Fma.MultiplyAdd(av, b0, c10); c11 = Fma.MultiplyAdd(av, b1, c11);
            av = Avx.BroadcastScalarToVector256(a + 2);
            c20 = Fma.MultiplyAdd(av, b0, c20); c21 = Fma.MultiplyAdd(av, b1, c21);
            av = Avx.BroadcastScalarToVector256(a + 3);
            c30 = Fma.MultiplyAdd(av, b0, c30); c31 = Fma.MultiplyAdd(av, b1, c31);
            av = Avx.BroadcastScalarToVector256(a + 4);
            c40 = Fma.MultiplyAdd(av, b0, c40); c41 = Fma.MultiplyAdd(av, b1, c41);
            av = Avx.BroadcastScalarToVector256(a + 5);
            c50 = Fma.MultiplyAdd(av, b0, c50); c51 = Fma.MultiplyAdd(av, b1, c51);

            b0 = Avx.LoadVector256(b + 16);
            b1 = Avx.LoadVector256(b + 24);
            av = Avx.BroadcastScalarToVector256(a + 6);
            c00 = Fma.MultiplyAdd(av, b0, c00); c01 = Fma.MultiplyAdd(av, b1, c01);
            av = Avx.BroadcastScalarToVector256(a + 7);
            c10 = Fma.MultiplyAdd(av, b0, c10); c11 = Fma.MultiplyAdd(av, b1, c11);
            av = Avx.BroadcastScalarToVector256(a + 8);
            c20 = Fma.MultiplyAdd(av, b0, c20); c21 = Fma.MultiplyAdd(av, b1, c21);
            av = Avx.BroadcastScalarToVector256(a + 9);
            c30 = Fma.MultiplyAdd(av, b0, c30); c31 = Fma.MultiplyAdd(av, b1, c31);
            av = Avx.BroadcastScalarToVector256(a + 10);
            c40 = Fma.MultiplyAdd(av, b0, c40); c41 = Fma.MultiplyAdd(av, b1, c41);
            av = Avx.BroadcastScalarToVector256(a + 11);
            c50 = Fma.MultiplyAdd(av, b0, c50); c51 = Fma.MultiplyAdd(av, b1, c51);
            a += 12;
            b += 32;
        }
        if (kc > 0)
        {
            Vector256<float> b0 = Avx.LoadVector256(b);
            Vector256<float> b1 = Avx.LoadVector256(b + 8);
            Vector256<float> av = Avx.BroadcastScalarToVector256(a);
            c00 = Fma.MultiplyAdd(av, b0, c00); c01 = Fma.MultiplyAdd(av, b1, c01);
            av = Avx.BroadcastScalarToVector256(a + 1);
            c10 = Fma.MultiplyAdd(av, b0, c10); c11 = Fma.MultiplyAdd(av, b1, c11);
            av = Avx.BroadcastScalarToVector256(a + 2);
            c20 = Fma.MultiplyAdd(av, b0, c20); c21 = Fma.MultiplyAdd(av, b1, c21);
            av = Avx.BroadcastScalarToVector256(a + 3);
            c30 = Fma.MultiplyAdd(av, b0, c30); c31 = Fma.MultiplyAdd(av, b1, c31);
            av = Avx.BroadcastScalarToVector256(a + 4);
            c40 = Fma.MultiplyAdd(av, b0, c40); c41 = Fma.MultiplyAdd(av, b1, c41);
            av = Avx.BroadcastScalarToVector256(a + 5);
            c50 = Fma.MultiplyAdd(av, b0, c50); c51 = Fma.MultiplyAdd(av, b1, c51);
        }

        if (e.IsPlain)
        {
            if (e.Beta == 0f)
            {
                Avx.Store(c, c00); Avx.Store(c + 8, c01); c += ldc;
                Avx.Store(c, c10); Avx.Store(c + 8, c11); c += ldc;
                Avx.Store(c, c20); Avx.Store(c + 8, c21); c += ldc;
                Avx.Store(c, c30); Avx.Store(c + 8, c31); c += ldc;
                Avx.Store(c, c40); Avx.Store(c + 8, c41); c += ldc;
                Avx.Store(c, c50); Avx.Store(c + 8, c51);
            }
            else
            {
                Avx.Store(c, Avx.Add(c00, Avx.LoadVector256(c))); Avx.Store(c + 8, Avx.Add(c01, Avx.LoadVector256(c + 8))); c += ldc;
                Avx.Store(c, Avx.Add(c10, Avx.LoadVector256(c))); Avx.Store(c + 8, Avx.Add(c11, Avx.LoadVector256(c + 8))); c += ldc;
                Avx.Store(c, Avx.Add(c20, Avx.LoadVector256(c))); Avx.Store(c + 8, Avx.Add(c21, Avx.LoadVector256(c + 8))); c += ldc;
                Avx.Store(c, Avx.Add(c30, Avx.LoadVector256(c))); Avx.Store(c + 8, Avx.Add(c31, Avx.LoadVector256(c + 8))); c += ldc;
                Avx.Store(c, Avx.Add(c40, Avx.LoadVector256(c))); Avx.Store(c + 8, Avx.Add(c41, Avx.LoadVector256(c + 8))); c += ldc;
                Avx.Store(c, Avx.Add(c50, Avx.LoadVector256(c))); Avx.Store(c + 8, Avx.Add(c51, Avx.LoadVector256(c + 8)));
            }
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
    private static void StoreRow(float* c, Vector256<float> v0, Vector256<float> v1, int row, ref TileEpilogue e)
    {
        if (e.Alpha != 1f)
        {
            var al = Vector256.Create(e.Alpha);
            v0 = Avx.Multiply(v0, al);
            v1 = Avx.Multiply(v1, al);
        }
        if (e.Beta == 1f)
        {
            v0 = Avx.Add(v0, Avx.LoadVector256(c));
            v1 = Avx.Add(v1, Avx.LoadVector256(c + 8));
        }
        else if (e.Beta != 0f)
        {
            var bt = Vector256.Create(e.Beta);
            v0 = Fma.MultiplyAdd(Avx.LoadVector256(c), bt, v0);
            v1 = Fma.MultiplyAdd(Avx.LoadVector256(c + 8), bt, v1);
        }
        if (e.Last)
        {
            if (e.RowBias != null)
            {
                var rb = Vector256.Create(e.RowBias[row]);
                v0 = Avx.Add(v0, rb);
                v1 = Avx.Add(v1, rb);
            }
            if (e.ColBias != null)
            {
                v0 = Avx.Add(v0, Avx.LoadVector256(e.ColBias));
                v1 = Avx.Add(v1, Avx.LoadVector256(e.ColBias + 8));
            }
            v0 = VectorActivation.Apply(v0, e);
            v1 = VectorActivation.Apply(v1, e);
        }
        Avx.Store(c, v0);
        Avx.Store(c + 8, v1);
        if (e.Last && e.PostAct) e.Post(c, NR);
    }
}
