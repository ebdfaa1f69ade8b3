using KernelVision.Backends;
using KernelVision.Backends.Reference.Neural;
using KernelVision.Cpu.Threading;
using KernelVision.Ops.Neural;
using KernelVision.Tensors;
using TensorPrimitives = System.Numerics.Tensors.TensorPrimitives;

namespace KernelVision.Cpu.Kernels.Neural;

/// <summary>GlobalAveragePool on float32: a vector sum per (n, c) plane, planes spread over the threads.</summary>
[BackendKernel("cpu")]
public sealed class GlobalAveragePoolCpu(GlobalAveragePool op) : CpuKernel<GlobalAveragePool>(op)
{
    private readonly GlobalAveragePoolReference _reference = new(op);

    /// <inheritdoc/>
    public override void Run(IReadOnlyList<Tensor?> inputs, IReadOnlyList<Tensor?> outputs)
    {
        var x = inputs[0]!;
        if (x.Type != DataType.Float32)
        {
            _reference.Run(inputs, outputs);
            return;
        }
        int planes = x.Shape[0] * x.Shape[1];
        int size = ShapeUtil.Product(x.Shape, 2, x.Rank);
        ParallelRange.For(Pool, planes, Math.Max(1, 65536 / Math.Max(1, size)), (X: x, Y: outputs[0]!, Size: size), static (s, p0, p1) =>
        {
            var xs = s.X.Floats;
            var ys = s.Y.Floats;
            for (int p = p0; p < p1; p++)
                ys[p] = s.Size == 0 ? float.NaN : TensorPrimitives.Sum(xs.Slice(p * s.Size, s.Size)) / s.Size;
        });
    }
}
