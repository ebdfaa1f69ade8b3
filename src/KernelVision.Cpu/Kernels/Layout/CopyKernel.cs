using KernelVision.Ops;
using KernelVision.Tensors;

namespace KernelVision.Cpu.Kernels.Layout;

/// <summary>
/// Base of the Cpu kernels that only move elements (Reshape, Transpose, Concat, Gather, Pad, ...):
/// without arithmetic every element type runs here, and none goes to the Reference kernel.
/// </summary>
public abstract class CopyKernel<TOp>(TOp op) : CpuKernel<TOp>(op) where TOp : Op
{
    /// <summary>Every element type.</summary>
    protected sealed override bool Computes(DataType type) => true;
}
