namespace KernelVision.Onnx;

/// <summary>Counts the bytes of weights decoded so far against <see cref="LoadLimits.MaxWeightBytes"/>.</summary>
internal sealed class WeightBudget(long limit, string file)
{
    /// <summary>Bytes charged so far.</summary>
    public long Used { get; private set; }

    /// <summary>Charges <paramref name="bytes"/> for the tensor <paramref name="what"/>, refusing it when the total would exceed the limit.</summary>
    public void Charge(long bytes, string what)
    {
        if (bytes > limit - Used)
            throw new ModelFormatException($"{what}: {bytes} more bytes of weights exceed the limit of {limit} bytes for {file} ({Used} already loaded)");
        Used += bytes;
    }
}
