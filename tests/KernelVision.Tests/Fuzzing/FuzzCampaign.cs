using KernelVision.Backends;
using KernelVision.Backends.Reference;
using KernelVision.Cpu;
using KernelVision.Gpu;
using KernelVision.Gpu.Runtime;

namespace KernelVision.Tests.Fuzzing;

/// <summary>
/// The named parts of a campaign, shared by the CI fuzz test and <c>kv-fuzz campaign</c> so a failure
/// the test reports replays from its printed arguments alone.
/// </summary>
public static class FuzzCampaign
{
    /// <summary>
    /// Seed set by name: "built" (the hand-built models only, as a checkout without any corpus would
    /// mutate), "corpus" (the vendored conformance models only) or "all" (both).
    /// </summary>
    public static List<SeedModels.Seed> Seeds(string set, string conformanceDir) => set switch
    {
        "built" => SeedModels.Built().ToList(),
        "corpus" => SeedModels.Conformance(conformanceDir).ToList(),
        "all" => SeedModels.All(conformanceDir),
        _ => throw new ArgumentException($"unknown seed set '{set}' (built, corpus, all)"),
    };

    /// <summary>
    /// Backend by name: "reference", "cpu" (two threads, the CI machine's cores) or "gpu-sim" (the Gpu
    /// kernels and binder on ILGPU's CPU accelerator).
    /// </summary>
    public static IBackend Backend(string name) => name switch
    {
        "reference" => ReferenceBackend.Instance,
        "cpu" => new CpuBackend(2),
        "gpu-sim" => new GpuBackend(GpuDevice.Simulator, "gpu-sim"),
        _ => throw new ArgumentException($"unknown backend '{name}' (reference, cpu, gpu-sim)"),
    };

    /// <summary>
    /// Runs every built seed once on <paramref name="backend"/>, unbounded, so the time bound of the
    /// cases that follow measures the case and not the one-off work a backend does on first use (the
    /// simulated Gpu compiles each kernel the first time it meets it: seconds on a busy machine).
    /// </summary>
    public static void WarmUp(IBackend backend, string? baseDir)
    {
        lock (Warm)
        {
            if (!Warm.Add(backend.Name)) return;
            foreach (var s in SeedModels.Built()) FuzzTarget.ExecuteDifferential(s.Bytes, baseDir, CancellationToken.None, backend);
        }
    }

    private static readonly HashSet<string> Warm = [];

    /// <summary>
    /// The seed of one campaign, derived from the run's seed and the campaign's name so that campaigns
    /// over the same seed models mutate them differently.
    /// </summary>
    public static int SeedFor(int runSeed, string seedSet, string backend)
    {
        int h = runSeed;
        foreach (char c in seedSet + "/" + backend) h = unchecked(h * 31 + c);
        return h & int.MaxValue;
    }
}
