using System.Runtime.CompilerServices;
using TensorPrimitives = System.Numerics.Tensors.TensorPrimitives;
using KernelVision.Backends;
using KernelVision.Backends.Reference.Elementwise;
using KernelVision.Ops.Elementwise;

namespace KernelVision.Cpu.Kernels.Elementwise;

/// <summary>Relu, Sigmoid, Tanh, HardSwish, Erf, Sqrt, Exp on float32, vectorised (TensorPrimitives where it has the function).</summary>
[BackendKernel("cpu")]
public sealed class UnaryCpu(UnaryOp op) : ElementwiseKernel<UnaryOp>(op, new UnaryReference(op),
    op.Kind is UnaryKind.Relu or UnaryKind.HardSwish or UnaryKind.Sqrt ? 32768 : 8192)
{
    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    protected override void Apply(ReadOnlySpan<float> x, Span<float> y)
    {
        switch (Op.Kind)
        {
            case UnaryKind.Relu: VectorMath.Map(new ReluFn(), x, y); break;
            case UnaryKind.Sigmoid: TensorPrimitives.Sigmoid(x, y); break;
            case UnaryKind.Tanh: TensorPrimitives.Tanh(x, y); break;
            case UnaryKind.HardSwish: VectorMath.Map(new HardSwishFn(), x, y); break;
            case UnaryKind.Erf: VectorMath.Map(new ErfFn(), x, y); break;
            case UnaryKind.Sqrt: TensorPrimitives.Sqrt(x, y); break;
            case UnaryKind.Exp: TensorPrimitives.Exp(x, y); break;
            default: throw new InvalidOperationException($"unknown unary kind {Op.Kind}");
        }
    }
}
