using System.Runtime.CompilerServices;
using KernelVision.Backends;
using KernelVision.Ops.Elementwise;

namespace KernelVision.Cpu.Kernels.Elementwise;

/// <summary>LeakyRelu on float32, vectorised.</summary>
[BackendKernel("cpu")]
public sealed class LeakyReluCpu(LeakyRelu op) : ElementwiseKernel<LeakyRelu>(op, 32768)
{
    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    protected override void Apply(ReadOnlySpan<float> x, Span<float> y) => VectorMath.Map(new LeakyReluFn(Op.Alpha), x, y);
}
