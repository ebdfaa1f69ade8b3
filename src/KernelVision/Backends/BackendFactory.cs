using KernelVision.Backends.Reference;

namespace KernelVision.Backends;

/// <summary>Creates backends by command-line name. Other assemblies (Cpu, Gpu) register themselves here.</summary>
public static class BackendFactory
{
    private static readonly Dictionary<string, Func<IBackend>> Factories = new(StringComparer.OrdinalIgnoreCase)
    {
        ["reference"] = () => ReferenceBackend.Instance,
    };

    /// <summary>Every name the CLI accepts, built or not.</summary>
    public static IReadOnlyList<string> KnownNames { get; } = ["reference", "cpu", "gpu", "gpu-sim"];

    /// <summary>Makes <paramref name="name"/> available.</summary>
    public static void Register(string name, Func<IBackend> factory) => Factories[name] = factory;

    /// <summary>The backend called <paramref name="name"/>, or a clear error when it is unknown or not built.</summary>
    public static IBackend Create(string name)
    {
        if (Factories.TryGetValue(name, out var f)) return f();
        if (KnownNames.Contains(name, StringComparer.OrdinalIgnoreCase))
            throw new UnsupportedException($"backend '{name}' is not available in this build (available: {string.Join(", ", Factories.Keys)})");
        throw new InputException($"unknown backend '{name}' (choose from {string.Join(", ", KnownNames)})");
    }
}
