using KernelVision.Backends;
using KernelVision.Onnx;

namespace KernelVision.Execution;

/// <summary>How a session is built: which backend runs it and which optimisations apply.</summary>
public sealed record SessionOptions
{
    private IBackend? _backend;

    /// <summary>
    /// The backend whose kernels run the graph. Default: <see cref="BackendFactory.CreateDefault"/>,
    /// i.e. cpu when KernelVision.Cpu is deployed (the KernelVision package brings it), else
    /// Reference. Created on first read, so options that name a backend never start the cpu pool.
    /// </summary>
    public IBackend Backend
    {
        get => _backend ??= BackendFactory.CreateDefault();
        init => _backend = value;
    }

    /// <summary>Run the graph passes (BatchNorm folding, activation fusion). Off = execute the graph as written.</summary>
    public bool Optimize { get; init; } = true;

    /// <summary>
    /// Names of optimisation passes (class names, e.g. "ResidualFusion") not to run, for measuring
    /// what one pass is worth or bisecting a wrong result to a pass. Empty: every pass runs.
    /// </summary>
    public IReadOnlySet<string> SkipPasses { get; init; } = new HashSet<string>();

    /// <summary>When the backend lacks a kernel for an op, use the Reference kernel instead of failing.</summary>
    public bool AllowReferenceFallback { get; init; } = true;

    /// <summary>Bounds applied while loading the model and planning its runs (activation memory).</summary>
    public LoadLimits Limits { get; init; } = LoadLimits.Default;

    /// <summary>
    /// How kernels that can choose among algorithms choose (<see cref="KernelTuning"/>): default
    /// <see cref="KernelTuningDefaults.Mode"/> (KV_TUNING, else full: measured once per machine and cached on disk).
    /// </summary>
    public KernelTuning Tuning { get; init; } = KernelTuningDefaults.Mode;

    /// <summary>Execution plans kept per session, one per distinct set of input shapes; the oldest is dropped beyond this.</summary>
    public int MaxCachedPlans { get; init; } = 8;
}
