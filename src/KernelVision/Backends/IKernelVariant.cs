namespace KernelVision.Backends;

/// <summary>
/// A kernel that picks one of several implementations per input shape (Cpu Conv: Winograd,
/// im2col, depthwise…) and names the one it took, for profiling (<c>kv profile</c>).
/// </summary>
public interface IKernelVariant
{
    /// <summary>The implementation the last run took ("" before the first run).</summary>
    string Variant { get; }
}
