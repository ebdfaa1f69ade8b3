namespace KernelVision.Cpu.Memory;

/// <summary>Named per-thread scratch buffers (see <see cref="ThreadScratch"/>).</summary>
public enum ScratchSlot
{
    /// <summary>Sgemm's packed block of A.</summary>
    GemmPackA,
    /// <summary>Sgemm's packed block of B.</summary>
    GemmPackB,
    /// <summary>For kernels that call Sgemm: an im2col / transformed-input buffer.</summary>
    Im2Col,
    /// <summary>General kernel scratch.</summary>
    Temp0,
    /// <summary>General kernel scratch.</summary>
    Temp1,
    /// <summary>General kernel scratch.</summary>
    Temp2,
    /// <summary>
    /// A conv's input normalised by its fused BatchNormalization, for the paths that cannot normalise
    /// while packing: the calling thread's, read by the pool's workers during that conv.
    /// </summary>
    NormalizedInput,
}
