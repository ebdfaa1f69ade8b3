using System.Runtime.CompilerServices;
using KernelVision.Backends;
using KernelVision.Ops.Elementwise;

namespace KernelVision.Cpu.Kernels.Elementwise;

/// <summary>Selu on float32, vectorised.</summary>
[BackendKernel("cpu")]
public sealed class SeluCpu(Selu op) : ElementwiseKernel<Selu>(op, 8192)
{
    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    protected override void Apply(ReadOnlySpan<float> x, Span<float> y) => VectorMath.Map(new SeluFn(Op.Alpha, Op.Gamma), x, y);
}
