using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using KernelVision.Backends;
using KernelVision.Cpu.Threading;
using KernelVision.Ops.Layout;
using KernelVision.Tensors;
using TensorPrimitives = System.Numerics.Tensors.TensorPrimitives;

namespace KernelVision.Cpu.Kernels.Layout;

/// <summary>
/// ReduceMean on float32. Reduced and kept axes are first merged into alternating runs. When the
/// reduced axes are the trailing ones (global pooling written as ReduceMean over H, W) each output is
/// the vector sum of one contiguous segment, and the segments are spread over the threads. Any other
/// pattern accumulates the input line by line into a double buffer (vector adds along a kept inner
/// run). Other element types run on the Reference kernel.
/// </summary>
[BackendKernel("cpu")]
public sealed class ReduceMeanCpu(ReduceMean op) : CpuKernel<ReduceMean>(op)
{
    private double[] _sums = [];

    /// <inheritdoc/>
    protected override void Compute(IReadOnlyList<Tensor?> inputs, IReadOnlyList<Tensor?> outputs)
    {
        var x = inputs[0]!;
        var y = outputs[0]!;
        var reduced = Op.ResolveAxes(x.Rank, inputs.Count > 1 ? inputs[1] : null);
        // Merge into runs of equal flag, dropping size-1 axes (they change nothing).
        var dims = new List<int>();
        var flags = new List<bool>();
        int count = 1;
        for (int d = 0; d < x.Rank; d++)
        {
            if (reduced[d]) count *= x.Shape[d];
            if (x.Shape[d] == 1) continue;
            if (flags.Count > 0 && flags[^1] == reduced[d]) dims[^1] *= x.Shape[d];
            else
            {
                dims.Add(x.Shape[d]);
                flags.Add(reduced[d]);
            }
        }
        if (y.Length == 0) return;
        if (x.Length == 0)
        {
            y.Floats.Fill(float.NaN); // 0/0, as the Reference gives
            return;
        }
        if (dims.Count == 0 || !flags.Contains(true))
        {
            x.Floats.CopyTo(y.Floats);
            return;
        }
        if (flags[^1] && !flags.Take(flags.Count - 1).Contains(true))
        {
            int segment = dims[^1];
            ParallelRange.For(Pool, y.Length, Math.Max(1, 65536 / segment), (X: x, Y: y, Segment: segment), static (j, r0, r1) =>
            {
                var xs = j.X.Floats;
                var ys = j.Y.Floats;
                for (int r = r0; r < r1; r++) ys[r] = (float)((double)TensorPrimitives.Sum(xs.Slice(r * j.Segment, j.Segment)) / j.Segment);
            });
            return;
        }
        General(x, y, dims, flags, count);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void General(Tensor x, Tensor y, List<int> dims, List<bool> flags, int count)
    {
        if (_sums.Length < y.Length) _sums = new double[y.Length];
        var sums = _sums.AsSpan(0, y.Length);
        sums.Clear();
        int rank = dims.Count;
        // Output strides over the merged axes (0 on reduced ones).
        var outStrides = new int[rank];
        for (int d = rank - 1, s = 1; d >= 0; d--)
        {
            outStrides[d] = flags[d] ? 0 : s;
            if (!flags[d]) s *= dims[d];
        }
        int line = dims[^1], lines = x.Length / line;
        var index = new int[rank];
        var xs = x.Floats;
        for (int l = 0; l < lines; l++)
        {
            int o = 0;
            for (int d = 0; d < rank - 1; d++) o += index[d] * outStrides[d];
            var src = xs.Slice(l * line, line);
            if (flags[^1]) sums[o] += TensorPrimitives.Sum(src);
            else AddWidened(src, sums.Slice(o, line));
            for (int d = rank - 2; d >= 0; d--)
            {
                if (++index[d] < dims[d]) break;
                index[d] = 0;
            }
        }
        var ys = y.Floats;
        for (int i = 0; i < ys.Length; i++) ys[i] = (float)(sums[i] / count);
    }

    /// <summary>acc[i] += x[i] in double.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void AddWidened(ReadOnlySpan<float> x, Span<double> acc)
    {
        ref float xr = ref MemoryMarshal.GetReference(x);
        ref double ar = ref MemoryMarshal.GetReference(acc);
        int n = x.Length, i = 0;
        if (Vector256.IsHardwareAccelerated)
        {
            for (; i <= n - 8; i += 8)
            {
                var (lo, hi) = Vector256.Widen(Vector256.LoadUnsafe(ref xr, (nuint)i));
                (Vector256.LoadUnsafe(ref ar, (nuint)i) + lo).StoreUnsafe(ref ar, (nuint)i);
                (Vector256.LoadUnsafe(ref ar, (nuint)(i + 4)) + hi).StoreUnsafe(ref ar, (nuint)(i + 4));
            }
        }
        for (; i < n; i++) acc[i] += x[i];
    }
}
