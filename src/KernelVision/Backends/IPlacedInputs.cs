namespace KernelVision.Backends;

/// <summary>
/// Implemented by Concat kernels that accept inputs already placed in their output. When every
/// dimension before the axis is 1, each input is one contiguous block of the output, so the planner
/// may give an input whose only reader is the Concat a buffer that is that very block: its producer
/// then writes straight into the output, and the kernel, finding the input where it would copy it
/// to, skips the copy. A Fire module's or an Inception block's branches then cost no concatenation.
/// The kernel must stay correct for inputs that are not placed (any plan without this optimisation).
/// </summary>
public interface IPlacedInputs
{
}
