using KernelVision.Cpu.Threading;
using KernelVision.Ops;
using KernelVision.Tensors;

namespace KernelVision.Cpu.Kernels.Elementwise;

/// <summary>
/// Base of the Cpu kernels that map each float32 element of input 0 to one output element: the
/// tensor is cut into chunks for the thread pool and each chunk goes through <see cref="Apply"/>.
/// Other element types run on the Reference kernel (<see cref="CpuKernel{TOp}"/>).
/// </summary>
public abstract class ElementwiseKernel<TOp> : CpuKernel<TOp> where TOp : Op
{
    private readonly int _minChunk;

    /// <summary>
    /// <paramref name="minChunk"/>: elements below which a chunk is not worth a thread (smaller for
    /// transcendental functions, which cost more per element).
    /// </summary>
    protected ElementwiseKernel(TOp op, int minChunk) : base(op) => _minChunk = minChunk;

    /// <inheritdoc/>
    protected override void Compute(IReadOnlyList<Tensor?> inputs, IReadOnlyList<Tensor?> outputs)
    {
        var x = inputs[0]!;
        var y = outputs[0]!;
        Prepare(inputs);
        ParallelRange.For(Pool, x.Length, _minChunk, (Kernel: this, X: x, Y: y), static (s, start, end) =>
            s.Kernel.Apply(s.X.Floats[start..end], s.Y.Floats[start..end]));
    }

    /// <summary>Reads per-run parameters from the inputs (Clip's bounds) before the chunks run.</summary>
    protected virtual void Prepare(IReadOnlyList<Tensor?> inputs) { }

    /// <summary>Computes one chunk; <paramref name="x"/> and <paramref name="y"/> have equal length.</summary>
    protected abstract void Apply(ReadOnlySpan<float> x, Span<float> y);
}
