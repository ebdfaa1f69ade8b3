using System.Runtime.CompilerServices;
using KernelVision.Backends;
using KernelVision.Ops.Elementwise;

namespace KernelVision.Cpu.Kernels.Elementwise;

/// <summary>HardSigmoid on float32, vectorised.</summary>
[BackendKernel("cpu")]
public sealed class HardSigmoidCpu(HardSigmoid op) : ElementwiseKernel<HardSigmoid>(op, 32768)
{
    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    protected override void Apply(ReadOnlySpan<float> x, Span<float> y) => VectorMath.Map(new HardSigmoidFn(Op.Alpha, Op.Beta), x, y);
}
