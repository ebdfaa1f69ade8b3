using KernelVision.Cpu.Threading;
using KernelVision.Tensors;
using TensorPrimitives = System.Numerics.Tensors.TensorPrimitives;

namespace KernelVision.Cpu.Kernels.Neural;

/// <summary>
/// The one loop behind GlobalAveragePool and GlobalMaxPool on float32: a vector reduction per
/// (n, c) plane, planes spread over the threads; an empty plane gives NaN, as in the Reference.
/// </summary>
internal static class GlobalPoolPlanes
{
    public static void Reduce(CpuThreadPool pool, Tensor x, Tensor y, bool average)
    {
        int planes = x.Shape[0] * x.Shape[1];
        int size = ShapeUtil.Product(x.Shape, 2, x.Rank);
        ParallelRange.For(pool, planes, Math.Max(1, 65536 / Math.Max(1, size)), (X: x, Y: y, Size: size, Average: average), static (s, p0, p1) =>
        {
            var xs = s.X.Floats;
            var ys = s.Y.Floats;
            for (int p = p0; p < p1; p++)
            {
                var plane = xs.Slice(p * s.Size, s.Size);
                ys[p] = s.Size == 0 ? float.NaN : s.Average ? TensorPrimitives.Sum(plane) / s.Size : TensorPrimitives.Max(plane);
            }
        });
    }
}
