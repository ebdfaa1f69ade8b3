using KernelVision.Tensors;

namespace KernelVision.Backends;

/// <summary>
/// Implemented by kernels that preprocess constant inputs once — a Cpu Gemm or Conv packs its
/// weights into the microkernel's panel layout. Whoever builds the execution plan calls
/// <see cref="PrepareConstants"/> before the kernel's first <see cref="IKernel.Run"/> (and again for
/// every new plan), passing the values of inputs known before running (initializers and folded
/// constants) and null for inputs computed at run time. A kernel must still work when it is never
/// called, and must only use prepared data when <see cref="IKernel.Run"/> receives the very same
/// tensor object (reference equality) it was prepared with.
/// </summary>
public interface IConstantInputsAware
{
    /// <summary>Receives one entry per node input: the constant value, or null.</summary>
    void PrepareConstants(IReadOnlyList<Tensor?> constantInputs);
}
