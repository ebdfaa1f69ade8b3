using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using KernelVision.Backends;
using KernelVision.Cpu.Threading;
using KernelVision.Ops.Neural;
using KernelVision.Tensors;
using TensorPrimitives = System.Numerics.Tensors.TensorPrimitives;

namespace KernelVision.Cpu.Kernels.Neural;

/// <summary>
/// LRN on float32. Work items are blocks of spatial positions of one image; for each channel the
/// block's sum of squares over the channel window is built with vector multiply-adds, then
/// y = x·(bias + α/size·Σx²)^−β with a vector exp/log. Float64 runs on the Reference kernel.
/// </summary>
[BackendKernel("cpu")]
public sealed class LRNCpu(LRN op) : CpuKernel<LRN>(op)
{
    /// <summary>Positions per work item (the stack buffer size).</summary>
    private const int Block = 1024;


    /// <inheritdoc/>
    protected override void Compute(IReadOnlyList<Tensor?> inputs, IReadOnlyList<Tensor?> outputs)
    {
        var x = inputs[0]!;
        int channels = x.Shape[1];
        int plane = ShapeUtil.Product(x.Shape, 2, x.Rank);
        int blocks = (plane + Block - 1) / Block;
        var job = new Job(x, outputs[0]!, channels, plane, Op.Size, Op.Alpha / Op.Size, Op.Bias, Op.Beta);
        long perItem = (long)channels * Math.Min(plane, Block) * (Op.Size + 4);
        ParallelRange.For(Pool, x.Shape[0] * blocks, (int)Math.Max(1, 65536 / Math.Max(1, perItem)), job, static (j, i0, i1) =>
        {
            int blocks = (j.Plane + Block - 1) / Block;
            for (int i = i0; i < i1; i++) Positions(j, i / blocks, i % blocks * Block, Math.Min(Block, j.Plane - i % blocks * Block));
        });
    }

    private readonly record struct Job(Tensor X, Tensor Y, int Channels, int Plane, int Size, float AlphaOverSize, float Bias, float Beta);

    /// <summary>Positions [p0, p0 + width) of image <paramref name="n"/>, every channel.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Positions(Job j, int n, int p0, int width)
    {
        Span<float> squares = stackalloc float[width];
        var xs = j.X.Floats;
        var ys = j.Y.Floats;
        int before = (j.Size - 1) / 2, after = j.Size - 1 - before;
        int image = n * j.Channels * j.Plane + p0;
        for (int c = 0; c < j.Channels; c++)
        {
            squares.Clear();
            for (int k = Math.Max(0, c - before); k <= Math.Min(j.Channels - 1, c + after); k++)
            {
                var xk = xs.Slice(image + k * j.Plane, width);
                TensorPrimitives.MultiplyAdd(xk, xk, squares, squares);
            }
            Scale(xs.Slice(image + c * j.Plane, width), squares, ys.Slice(image + c * j.Plane, width), j.AlphaOverSize, j.Bias, -j.Beta);
        }
    }

    /// <summary>y = x · (bias + k·s)^e.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Scale(ReadOnlySpan<float> x, ReadOnlySpan<float> s, Span<float> y, float k, float bias, float e)
    {
        ref float xr = ref MemoryMarshal.GetReference(x);
        ref float sr = ref MemoryMarshal.GetReference(s);
        ref float yr = ref MemoryMarshal.GetReference(y);
        int n = x.Length, i = 0;
        if (Vector256.IsHardwareAccelerated)
        {
            var vk = Vector256.Create(k);
            var vb = Vector256.Create(bias);
            var ve = Vector256.Create(e);
            for (; i <= n - 8; i += 8)
            {
                var b = Vector256.FusedMultiplyAdd(Vector256.LoadUnsafe(ref sr, (nuint)i), vk, vb);
                var r = Vector256.Exp(Vector256.Log(b) * ve);
                (Vector256.LoadUnsafe(ref xr, (nuint)i) * r).StoreUnsafe(ref yr, (nuint)i);
            }
        }
        for (; i < n; i++) y[i] = x[i] * MathF.Pow(MathF.FusedMultiplyAdd(s[i], k, bias), e);
    }
}
