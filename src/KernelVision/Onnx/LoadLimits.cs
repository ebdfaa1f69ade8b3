namespace KernelVision.Onnx;

/// <summary>Bounds checked while loading a model, before anything is allocated for it.</summary>
public sealed record LoadLimits
{
    /// <summary>Defaults suited to CNN/GAN models: 4 GiB files, 2^31 elements a tensor.</summary>
    public static LoadLimits Default { get; } = new();

    /// <summary>Largest model file in bytes.</summary>
    public long MaxFileBytes { get; init; } = 4L << 30;

    /// <summary>Largest element count of one tensor.</summary>
    public long MaxTensorElements { get; init; } = Tensors.ShapeUtil.MaxElements;

    /// <summary>Largest number of nodes in the graph.</summary>
    public int MaxNodes { get; init; } = 1_000_000;
}
