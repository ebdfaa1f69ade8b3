using KernelVision.Backends;
using KernelVision.Backends.Reference;
using KernelVision.Cpu;

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

    /// <summary>Backend by name: "reference" or "cpu" (two threads, the CI machine's cores).</summary>
    public static IBackend Backend(string name) => name switch
    {
        "reference" => ReferenceBackend.Instance,
        "cpu" => new CpuBackend(2),
        _ => throw new ArgumentException($"unknown backend '{name}' (reference, cpu)"),
    };

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
