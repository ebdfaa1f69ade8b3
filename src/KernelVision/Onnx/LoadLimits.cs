namespace KernelVision.Onnx;

/// <summary>
/// Bounds that keep a hostile or broken model from exhausting memory or time. The loader checks the
/// file-level ones before it allocates anything for the model; the session checks
/// <see cref="MaxActivationBytes"/> from inferred shapes before it allocates any activation or folds
/// any constant. Every refusal is a <see cref="KernelVisionException"/> naming what was too big.
/// </summary>
public sealed record LoadLimits
{
    /// <summary>Defaults suited to CNN/GAN models: 4 GiB files and weights, 2^31 elements a tensor, activations up to half the memory the process may use.</summary>
    public static LoadLimits Default { get; } = new();

    /// <summary>Largest model file in bytes.</summary>
    public long MaxFileBytes { get; init; } = 4L << 30;

    /// <summary>Largest element count of one tensor (initializer, constant, activation).</summary>
    public long MaxTensorElements { get; init; } = Tensors.ShapeUtil.MaxElements;

    /// <summary>Largest total size in bytes of all initializers and constant attribute tensors, external data included.</summary>
    public long MaxWeightBytes { get; init; } = 4L << 30;

    /// <summary>Largest number of nodes in the graph.</summary>
    public int MaxNodes { get; init; } = 1_000_000;

    /// <summary>Longest chain of dependent nodes (the graph's depth).</summary>
    public int MaxGraphDepth { get; init; } = 100_000;

    /// <summary>Largest rank of any declared or stored tensor.</summary>
    public int MaxRank { get; init; } = 32;

    /// <summary>
    /// Largest number of bytes of activations one execution plan may hold: every intermediate and
    /// output tensor and every constant folded at plan time. A node whose output alone exceeds it is
    /// refused by name. Default: half of the memory the GC reports available to the process, at
    /// most 16 GiB.
    /// </summary>
    public long MaxActivationBytes { get; init; } = DefaultActivationBytes();

    private static long DefaultActivationBytes()
    {
        long avail = GC.GetGCMemoryInfo().TotalAvailableMemoryBytes;
        if (avail <= 0) avail = 8L << 30;
        return Math.Clamp(avail / 2, 256L << 20, 16L << 30);
    }
}
