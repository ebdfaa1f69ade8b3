using System.Runtime.CompilerServices;
using KernelVision.Backends;
using KernelVision.Ops.Elementwise;
using TensorPrimitives = System.Numerics.Tensors.TensorPrimitives;

namespace KernelVision.Cpu.Kernels.Elementwise;

/// <summary>
/// Relu, Sigmoid, Tanh, HardSwish, Erf, Sqrt, Exp on float32, vectorised with Vector256 (CoreLib's
/// vector exp, which is precompiled, so the first inferences are fast too); Tanh uses TensorPrimitives.
/// </summary>
[BackendKernel("cpu")]
public sealed class UnaryCpu(UnaryOp op) : ElementwiseKernel<UnaryOp>(op, op.Kind is UnaryKind.Relu or UnaryKind.HardSwish or UnaryKind.Sqrt ? 32768 : 8192)
{
    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    protected override void Apply(ReadOnlySpan<float> x, Span<float> y)
    {
        switch (Op.Kind)
        {
            case UnaryKind.Relu: VectorMath.Map(new ReluFn(), x, y); break;
            case UnaryKind.Sigmoid: VectorMath.Map(new SigmoidFn(), x, y); break;
            case UnaryKind.Tanh: TensorPrimitives.Tanh(x, y); break;
            case UnaryKind.HardSwish: VectorMath.Map(new HardSwishFn(), x, y); break;
            case UnaryKind.Erf: VectorMath.Map(new ErfFn(), x, y); break;
            case UnaryKind.Sqrt: VectorMath.Map(new SqrtFn(), x, y); break;
            case UnaryKind.Exp: VectorMath.Map(new ExpFn(), x, y); break;
            default: throw new InvalidOperationException($"unknown unary kind {Op.Kind}");
        }
    }
}
