namespace KernelVision.Backends;

/// <summary>
/// How a backend chooses among its algorithms for a node (im2col or Winograd, transposed GEMM, a
/// depthwise variant). A choice hard-coded for one CPU loses on the next, so the fast default is to
/// measure on the machine that runs the model and remember the answer.
/// </summary>
public enum KernelTuning
{
    /// <summary>Built-in rules only: deterministic, no timing, no cache (what tests use).</summary>
    Off,

    /// <summary>Use choices measured earlier (the on-disk cache); nodes not in it follow the built-in rules.</summary>
    Cached,

    /// <summary>Use the cache; time every applicable algorithm of a node missing from it once, keep the fastest and store it.</summary>
    Full,
}

/// <summary>Implemented by kernels that tune themselves; the session hands them its options' choice.</summary>
public interface ITunableKernel
{
    /// <summary>The mode the kernel's next plan is chosen under.</summary>
    KernelTuning Tuning { get; set; }
}

/// <summary>The default mode: the KV_TUNING environment variable (off, cached, full) when set, else <see cref="KernelTuning.Full"/>.</summary>
public static class KernelTuningDefaults
{
    /// <summary>The mode sessions use unless their options say otherwise.</summary>
    public static KernelTuning Mode { get; } = Parse(Environment.GetEnvironmentVariable("KV_TUNING")) ?? KernelTuning.Full;

    /// <summary>Parses off / cached / full (any case); null for anything else.</summary>
    public static KernelTuning? Parse(string? value) => value?.Trim().ToLowerInvariant() switch
    {
        "off" or "0" => KernelTuning.Off,
        "cached" => KernelTuning.Cached,
        "full" or "1" => KernelTuning.Full,
        _ => null,
    };
}
