using System.Runtime.CompilerServices;
using KernelVision.Backends;
using KernelVision.Ops.Elementwise;
using KernelVision.Tensors;

namespace KernelVision.Cpu.Kernels.Elementwise;

/// <summary>Clip on float32, vectorised; bounds from the attributes or the optional scalar inputs of this run.</summary>
[BackendKernel("cpu")]
public sealed class ClipCpu(Clip op) : ElementwiseKernel<Clip>(op, 32768)
{
    private float _lo, _hi;

    /// <inheritdoc/>
    protected override void Prepare(IReadOnlyList<Tensor?> inputs)
    {
        if (!Op.BoundsAreInputs)
        {
            (_lo, _hi) = (Op.MinAttribute, Op.MaxAttribute);
            return;
        }
        Tensor? min = inputs.Count > 1 ? inputs[1] : null;
        Tensor? max = inputs.Count > 2 ? inputs[2] : null;
        _lo = min is null ? float.NegativeInfinity : min.Floats[0];
        _hi = max is null ? float.PositiveInfinity : max.Floats[0];
    }

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    protected override void Apply(ReadOnlySpan<float> x, Span<float> y) => VectorMath.Map(new ClipFn(_lo, _hi), x, y);
}
