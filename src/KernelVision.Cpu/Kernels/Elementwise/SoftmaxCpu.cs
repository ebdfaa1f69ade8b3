using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using KernelVision.Backends;
using KernelVision.Cpu.Threading;
using KernelVision.Ops.Elementwise;
using KernelVision.Tensors;
using TensorPrimitives = System.Numerics.Tensors.TensorPrimitives;

namespace KernelVision.Cpu.Kernels.Elementwise;

/// <summary>
/// Softmax / LogSoftmax on float32. Along the last axis each line is contiguous: max, exp and sum
/// run as vector passes over it. Along an inner axis (channels of NCHW) the lines are strided, so the
/// kernel instead walks a block of neighbouring lines together, row by row, with per-column running
/// max and sum (contiguous loads, no gathers). Lines or blocks are spread over the thread pool.
/// </summary>
[BackendKernel("cpu")]
public sealed class SoftmaxCpu(Softmax op) : CpuKernel<Softmax>(op)
{
    /// <summary>Columns handled together when the axis is not the last one (two stack buffers of this size).</summary>
    private const int Block = 512;
    private const int MinChunk = 16384;


    /// <inheritdoc/>
    protected override void Compute(IReadOnlyList<Tensor?> inputs, IReadOnlyList<Tensor?> outputs)
    {
        var x = inputs[0]!;
        var y = outputs[0]!;
        var (outer, length, inner) = Op.Layout(x.Shape);
        if (x.Length == 0) return;
        var job = new Job(x, y, length, inner, Op.IsLog);
        if (inner == 1)
        {
            ParallelRange.For(Pool, outer, Math.Max(1, MinChunk / Math.Max(1, length)), job, static (j, r0, r1) =>
            {
                var xs = j.X.Floats;
                var ys = j.Y.Floats;
                for (int r = r0; r < r1; r++)
                    Line(xs.Slice(r * j.Length, j.Length), ys.Slice(r * j.Length, j.Length), j.IsLog);
            });
            return;
        }
        int blocks = (inner + Block - 1) / Block;
        int work = Math.Max(1, length * Math.Min(inner, Block));
        ParallelRange.For(Pool, outer * blocks, Math.Max(1, MinChunk / work), job, static (j, i0, i1) =>
        {
            int blocks = (j.Inner + Block - 1) / Block;
            for (int i = i0; i < i1; i++)
            {
                int o = i / blocks, c0 = i % blocks * Block;
                Columns(j, o, c0, Math.Min(Block, j.Inner - c0));
            }
        });
    }

    private readonly record struct Job(Tensor X, Tensor Y, int Length, int Inner, bool IsLog);

    /// <summary>One contiguous line.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Line(ReadOnlySpan<float> x, Span<float> y, bool isLog)
    {
        float max = TensorPrimitives.Max(x);
        TensorPrimitives.Subtract(x, max, y);
        if (!isLog)
        {
            TensorPrimitives.Exp(y, y);
            float sum = TensorPrimitives.Sum(y);
            TensorPrimitives.Divide(y, sum, y);
            return;
        }
        float logSum = MathF.Log(SumOfExp(y));
        TensorPrimitives.Subtract(y, logSum, y);
    }

    /// <summary>Σ e^v without storing the exponentials.</summary>
    private static float SumOfExp(ReadOnlySpan<float> v)
    {
        ref float r = ref MemoryMarshal.GetReference(v);
        int n = v.Length, i = 0;
        float sum = 0;
        if (Vector256.IsHardwareAccelerated && n >= 8)
        {
            var acc = Vector256<float>.Zero;
            for (; i <= n - 8; i += 8) acc += Vector256.Exp(Vector256.LoadUnsafe(ref r, (nuint)i));
            sum = Vector256.Sum(acc);
        }
        for (; i < n; i++) sum += MathF.Exp(v[i]);
        return sum;
    }

    /// <summary><paramref name="width"/> neighbouring lines of outer index <paramref name="o"/> starting at column <paramref name="c0"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Columns(Job j, int o, int c0, int width)
    {
        Span<float> max = stackalloc float[width];
        Span<float> sum = stackalloc float[width];
        var xs = j.X.Floats;
        var ys = j.Y.Floats;
        int lineStride = j.Inner, start = o * j.Length * j.Inner + c0;
        xs.Slice(start, width).CopyTo(max);
        for (int k = 1; k < j.Length; k++) TensorPrimitives.Max(max, xs.Slice(start + k * lineStride, width), max);
        sum.Clear();
        for (int k = 0; k < j.Length; k++)
        {
            var yk = ys.Slice(start + k * lineStride, width);
            TensorPrimitives.Subtract(xs.Slice(start + k * lineStride, width), max, yk);
            if (j.IsLog)
            {
                // Keep x − max in y; the exponentials only feed the sum.
                for (int c = 0; c < width; c++) sum[c] += MathF.Exp(yk[c]);
            }
            else
            {
                TensorPrimitives.Exp(yk, yk);
                TensorPrimitives.Add(sum, yk, sum);
            }
        }
        if (j.IsLog)
        {
            TensorPrimitives.Log(sum, sum);
            for (int k = 0; k < j.Length; k++)
            {
                var yk = ys.Slice(start + k * lineStride, width);
                TensorPrimitives.Subtract(yk, sum, yk);
            }
            return;
        }
        for (int k = 0; k < j.Length; k++)
        {
            var yk = ys.Slice(start + k * lineStride, width);
            TensorPrimitives.Divide(yk, sum, yk);
        }
    }
}
