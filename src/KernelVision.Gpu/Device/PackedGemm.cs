using ILGPU;
using ILGPU.Algorithms;

namespace KernelVision.Gpu.Device;

/// <summary>Four floats loaded and stored as one 16-byte vector (ld/st .v4 through ArrayView.Cast on aligned offsets).</summary>
public struct Vec4
{
    /// <summary>Components.</summary>
    public float X, Y, Z, W;
}

/// <summary>
/// Per-thread state of one output column n of a GEMM's B operand, computed once per kernel (where the
/// divisions of n into batch and output pixel happen) so the per-k loads need none. Meaning is the
/// problem's: for convolution Base is the input offset of the pixel's window origin and D0/H0/W0 the
/// window origin's coordinates; for dense products Base is the column's start.
/// </summary>
public struct BColumn
{
    /// <summary>Offset of the column's element k = 0 (before the per-k offset).</summary>
    public int Base;
    /// <summary>Window origin (convolution) or unused.</summary>
    public int D0, H0, W0;
}

/// <summary>
/// A GEMM problem the register-tiled kernels (<see cref="PackedGemm"/>) can run: A comes packed by the
/// host (<see cref="PackedGemm.PackA{TProblem}"/> from <see cref="IGemmProblem.A"/>), B through a
/// column state made once per thread and a per-k load with no integer division.
/// </summary>
public interface IPackedGemmProblem : IGemmProblem
{
    /// <summary>The loader state of output column <paramref name="n"/> of slice <paramref name="z"/> (any n; must not read memory for n ≥ N).</summary>
    BColumn Column(int z, int n);
    /// <summary>B(k, n) of the column (k &lt; K): no division.</summary>
    float B(BColumn c, int k);
}

/// <summary>Arguments of the register-tiled GEMM kernels.</summary>
public struct PackedGemmArgs<TProblem> where TProblem : struct, IPackedGemmProblem
{
    /// <summary>The problem (B loader and fused epilogue).</summary>
    public TProblem P;
    /// <summary>A packed k-major and zero-padded: [slice][Kp][Mp]; its start is 16-byte aligned.</summary>
    public ArrayView<float> APacked;
    /// <summary>Padded sizes: Mp a multiple of 4, Kp a multiple of <see cref="PackedGemm.KMultiple"/>.</summary>
    public int Mp, Kp;
    /// <summary>K chunks per slice (1: no split) and K elements per chunk (a multiple of <see cref="PackedGemm.KMultiple"/>).</summary>
    public int Splits, Chunk;
    /// <summary>Split-K partial sums [slice·Splits][M][N] (used when Splits &gt; 1).</summary>
    public ArrayView<float> Partial;
}

/// <summary>Arguments of <see cref="PackedGemm.PackA{TProblem}"/>.</summary>
public struct PackAArgs<TProblem> where TProblem : struct, IGemmProblem
{
    /// <summary>The problem whose A is packed.</summary>
    public TProblem P;
    /// <summary>Destination [slices][Kp][Mp].</summary>
    public ArrayView<float> APacked;
    /// <summary>Padded sizes.</summary>
    public int Mp, Kp;
}

/// <summary>Host-side helpers of the register-tiled kernels (the kernels themselves are generated: PackedGemm.g.cs).</summary>
public static partial class PackedGemm
{
    /// <summary>
    /// Writes A k-major, zero-padded to [slices][Kp][Mp] (grid-stride over the packed elements, m
    /// fastest so the stores coalesce). Convolution weights are packed once per session; Gemm/MatMul
    /// operands, which change every run, right before their product.
    /// </summary>
    public static void PackA<TProblem>(Index1D thread, ElementRange r, PackAArgs<TProblem> a) where TProblem : struct, IGemmProblem
    {
        var p = a.P;
        int m = p.M, k = p.K;
        int plane = a.Kp * a.Mp;
        for (int i = thread; i < r.Count; i += r.Stride)
        {
            int z = i / plane, rest = i - z * plane;
            int kk = rest / a.Mp, mm = rest - kk * a.Mp;
            a.APacked[i] = mm < m && kk < k ? p.A(z, mm, kk) : 0f;
        }
    }

    /// <summary>
    /// Multiply-add a·b + c. ILGPU 1.5.3 has no C# spelling of its fused IR node: MathF.FusedMultiplyAdd
    /// compiles to a call of a software routine, and inline PTX (CudaAsm.Emit with an out operand) routes
    /// every result through a 4-byte .local slot (both measured on the PTX). Plain a·b + c emits mul.f32
    /// feeding add.f32 with no rounding modifier, which the PTX ISA lets ptxas contract into one FFMA
    /// (its default, --fmad=true); PtxReport counts such pairs as contractible multiply-adds.
    /// </summary>
    private static float Fma(float a, float b, float c) => a * b + c;

    /// <summary>Stores one finished dot product: through the problem's epilogue, or as a split-K partial.</summary>
    private static void Put<TProblem>(PackedGemmArgs<TProblem> a, int zAll, int z, int m, int n, float v) where TProblem : struct, IPackedGemmProblem
    {
        if (n >= a.P.N) return;
        if (a.Splits > 1) a.Partial[((long)zAll * a.P.M + m) * a.P.N + n] = v;
        else a.P.Store(z, m, n, v);
    }
}
