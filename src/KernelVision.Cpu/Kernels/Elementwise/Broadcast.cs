using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using KernelVision.Cpu.Threading;
using KernelVision.Tensors;

namespace KernelVision.Cpu.Kernels.Elementwise;

/// <summary>
/// How two inputs broadcast (numpy rules) onto an output, reduced to the fewest loops: output dims
/// of size 1 are dropped and neighbouring dims merged when both inputs either walk or repeat along
/// them alike. What is left is an outer odometer over <see cref="OuterDims"/> and one inner run of
/// <see cref="Inner"/> elements along which each input is either contiguous or a repeated scalar.
/// So same-shape is one run, x·scalar is one run against a scalar, and the per-channel
/// [N,C,H,W] ∘ [C,1,1] becomes runs of H·W against one value per channel.
/// </summary>
internal sealed class BroadcastPlan
{
    private readonly int[] _a, _b, _y;

    /// <summary>Output elements.</summary>
    public int Total { get; }
    /// <summary>Length of the innermost run.</summary>
    public int Inner { get; }
    /// <summary>True when A advances along the inner run (false: one repeated element).</summary>
    public bool AVector { get; }
    /// <summary>True when B advances along the inner run.</summary>
    public bool BVector { get; }
    /// <summary>Extents of the outer dims, outermost first.</summary>
    public int[] OuterDims { get; }
    /// <summary>A's element stride per outer dim (0 where A repeats).</summary>
    public int[] AStrides { get; }
    /// <summary>B's element stride per outer dim.</summary>
    public int[] BStrides { get; }

    private BroadcastPlan(int[] a, int[] b, int[] y)
    {
        _a = (int[])a.Clone();
        _b = (int[])b.Clone();
        _y = (int[])y.Clone();
        Total = ShapeUtil.Size(y);
        int rank = y.Length;
        var dims = new List<int>();
        var aWalks = new List<bool>();
        var bWalks = new List<bool>();
        for (int i = 0; i < rank; i++)
        {
            if (y[i] == 1) continue;
            int da = i < rank - a.Length ? 1 : a[i - (rank - a.Length)];
            int db = i < rank - b.Length ? 1 : b[i - (rank - b.Length)];
            if (da != y[i] && da != 1 || db != y[i] && db != 1)
                throw new ArgumentException($"{ShapeUtil.Format(a)} and {ShapeUtil.Format(b)} do not broadcast to {ShapeUtil.Format(y)}");
            bool fa = da != 1, fb = db != 1;
            int last = dims.Count - 1;
            if (last >= 0 && aWalks[last] == fa && bWalks[last] == fb) dims[last] *= y[i];
            else
            {
                dims.Add(y[i]);
                aWalks.Add(fa);
                bWalks.Add(fb);
            }
        }
        if (dims.Count == 0)
        {
            dims.Add(1);
            aWalks.Add(true);
            bWalks.Add(true);
        }
        int k = dims.Count - 1;
        Inner = dims[k];
        AVector = aWalks[k];
        BVector = bWalks[k];
        OuterDims = new int[k];
        AStrides = new int[k];
        BStrides = new int[k];
        int sa = AVector ? Inner : 1, sb = BVector ? Inner : 1;
        for (int d = k - 1; d >= 0; d--)
        {
            OuterDims[d] = dims[d];
            AStrides[d] = aWalks[d] ? sa : 0;
            BStrides[d] = bWalks[d] ? sb : 0;
            if (aWalks[d]) sa *= dims[d];
            if (bWalks[d]) sb *= dims[d];
        }
    }

    /// <summary>A plan for these shapes: <paramref name="cached"/> when it was made for them, else a new one.</summary>
    public static BroadcastPlan For(ref BroadcastPlan? cached, int[] a, int[] b, int[] y)
    {
        var p = cached;
        if (p is not null && ShapeUtil.Same(p._a, a) && ShapeUtil.Same(p._b, b) && ShapeUtil.Same(p._y, y)) return p;
        return cached = new BroadcastPlan(a, b, y);
    }
}

/// <summary>Runs an <see cref="IBinaryFn"/> over two broadcast float32 inputs, threaded and vectorised.</summary>
internal static class Broadcast
{
    /// <summary>Output elements below which a chunk is not worth a thread.</summary>
    private const int MinChunk = 32768;

    /// <summary>y = f(a, b) with <paramref name="plan"/>'s broadcasting; y may be a itself (in-place accumulation).</summary>
    public static void Run<TFn>(CpuThreadPool pool, TFn fn, BroadcastPlan plan, Tensor a, Tensor b, Tensor y) where TFn : struct, IBinaryFn
    {
        ParallelRange.For(pool, plan.Total, fn.Vectorized ? MinChunk : MinChunk / 8, (Fn: fn, Plan: plan, A: a, B: b, Y: y),
            static (s, start, end) => Range(s.Fn, s.Plan, s.A.Floats, s.B.Floats, s.Y.Floats, start, end));
    }

    /// <summary>Output elements [start, end).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Range<TFn>(TFn fn, BroadcastPlan p, ReadOnlySpan<float> a, ReadOnlySpan<float> b, Span<float> y, int start, int end)
        where TFn : struct, IBinaryFn
    {
        int rank = p.OuterDims.Length;
        Span<int> index = stackalloc int[Math.Max(rank, 1)];
        int inner = p.Inner;
        int row = start / inner, col = start % inner;
        int aOff = 0, bOff = 0;
        for (int d = rank - 1; d >= 0; d--)
        {
            int n = p.OuterDims[d];
            index[d] = row % n;
            row /= n;
            aOff += index[d] * p.AStrides[d];
            bOff += index[d] * p.BStrides[d];
        }
        ref float ar = ref MemoryMarshal.GetReference(a);
        ref float br = ref MemoryMarshal.GetReference(b);
        ref float yr = ref MemoryMarshal.GetReference(y);
        int pos = start;
        while (pos < end)
        {
            int n = Math.Min(inner - col, end - pos);
            ref float ya = ref Unsafe.Add(ref yr, pos);
            if (p.AVector)
            {
                ref float aa = ref Unsafe.Add(ref ar, aOff + col);
                if (p.BVector) VectorVector(fn, ref aa, ref Unsafe.Add(ref br, bOff + col), ref ya, n);
                else VectorScalar(fn, ref aa, Unsafe.Add(ref br, bOff), ref ya, n);
            }
            else
            {
                float av = Unsafe.Add(ref ar, aOff);
                if (p.BVector) ScalarVector(fn, av, ref Unsafe.Add(ref br, bOff + col), ref ya, n);
                else MemoryMarshal.CreateSpan(ref ya, n).Fill(fn.Scalar(av, Unsafe.Add(ref br, bOff)));
            }
            pos += n;
            col = 0;
            for (int d = rank - 1; d >= 0; d--)
            {
                aOff += p.AStrides[d];
                bOff += p.BStrides[d];
                if (++index[d] < p.OuterDims[d]) break;
                aOff -= p.AStrides[d] * p.OuterDims[d];
                bOff -= p.BStrides[d] * p.OuterDims[d];
                index[d] = 0;
            }
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void VectorVector<TFn>(TFn fn, ref float a, ref float b, ref float y, int n) where TFn : struct, IBinaryFn
    {
        int i = 0;
        if (fn.Vectorized && Vector256.IsHardwareAccelerated)
        {
            for (; i <= n - 16; i += 16)
            {
                var v0 = fn.Vector(Vector256.LoadUnsafe(ref a, (nuint)i), Vector256.LoadUnsafe(ref b, (nuint)i));
                var v1 = fn.Vector(Vector256.LoadUnsafe(ref a, (nuint)(i + 8)), Vector256.LoadUnsafe(ref b, (nuint)(i + 8)));
                v0.StoreUnsafe(ref y, (nuint)i);
                v1.StoreUnsafe(ref y, (nuint)(i + 8));
            }
            for (; i <= n - 8; i += 8)
                fn.Vector(Vector256.LoadUnsafe(ref a, (nuint)i), Vector256.LoadUnsafe(ref b, (nuint)i)).StoreUnsafe(ref y, (nuint)i);
        }
        for (; i < n; i++) Unsafe.Add(ref y, i) = fn.Scalar(Unsafe.Add(ref a, i), Unsafe.Add(ref b, i));
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void VectorScalar<TFn>(TFn fn, ref float a, float b, ref float y, int n) where TFn : struct, IBinaryFn
    {
        int i = 0;
        if (fn.Vectorized && Vector256.IsHardwareAccelerated)
        {
            var bv = Vector256.Create(b);
            for (; i <= n - 16; i += 16)
            {
                var v0 = fn.Vector(Vector256.LoadUnsafe(ref a, (nuint)i), bv);
                var v1 = fn.Vector(Vector256.LoadUnsafe(ref a, (nuint)(i + 8)), bv);
                v0.StoreUnsafe(ref y, (nuint)i);
                v1.StoreUnsafe(ref y, (nuint)(i + 8));
            }
            for (; i <= n - 8; i += 8) fn.Vector(Vector256.LoadUnsafe(ref a, (nuint)i), bv).StoreUnsafe(ref y, (nuint)i);
        }
        for (; i < n; i++) Unsafe.Add(ref y, i) = fn.Scalar(Unsafe.Add(ref a, i), b);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void ScalarVector<TFn>(TFn fn, float a, ref float b, ref float y, int n) where TFn : struct, IBinaryFn
    {
        int i = 0;
        if (fn.Vectorized && Vector256.IsHardwareAccelerated)
        {
            var av = Vector256.Create(a);
            for (; i <= n - 16; i += 16)
            {
                var v0 = fn.Vector(av, Vector256.LoadUnsafe(ref b, (nuint)i));
                var v1 = fn.Vector(av, Vector256.LoadUnsafe(ref b, (nuint)(i + 8)));
                v0.StoreUnsafe(ref y, (nuint)i);
                v1.StoreUnsafe(ref y, (nuint)(i + 8));
            }
            for (; i <= n - 8; i += 8) fn.Vector(av, Vector256.LoadUnsafe(ref b, (nuint)i)).StoreUnsafe(ref y, (nuint)i);
        }
        for (; i < n; i++) Unsafe.Add(ref y, i) = fn.Scalar(a, Unsafe.Add(ref b, i));
    }
}
