using System.Runtime.CompilerServices;
using KernelVision.Backends;
using KernelVision.Ops.Elementwise;

namespace KernelVision.Cpu.Kernels.Elementwise;

/// <summary>Elu on float32, vectorised.</summary>
[BackendKernel("cpu")]
public sealed class EluCpu(Elu op) : ElementwiseKernel<Elu>(op, 8192)
{
    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    protected override void Apply(ReadOnlySpan<float> x, Span<float> y) => VectorMath.Map(new EluFn(Op.Alpha), x, y);
}
