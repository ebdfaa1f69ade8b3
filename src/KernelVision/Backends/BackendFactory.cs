using System.Collections.Concurrent;
using System.Reflection;
using System.Runtime.CompilerServices;
using KernelVision.Backends.Reference;

namespace KernelVision.Backends;

/// <summary>
/// Creates backends by name. The core knows only "reference"; the Cpu and Gpu assemblies register
/// their backends from module initializers. The core never references them (they reference it):
/// when a name they provide is asked for and is not registered yet, the factory loads the provider
/// assembly by name, if it was deployed next to the application, and runs its module initializer.
/// So an application that ships KernelVision.Cpu.dll (the "KernelVision" package brings it) gets
/// "cpu" as the default with no call, and one that ships only the core falls back to "reference".
/// </summary>
public static class BackendFactory
{
    private sealed record Entry(Func<IBackend> Create, Func<bool>? IsPresent);

    private static readonly ConcurrentDictionary<string, Entry> Factories = new(StringComparer.OrdinalIgnoreCase)
    {
        ["reference"] = new(() => ReferenceBackend.Instance, null),
    };

    // Which assembly provides which built-in name; probed once each, on demand.
    private static readonly Dictionary<string, string> Providers = new(StringComparer.OrdinalIgnoreCase)
    {
        ["cpu"] = "KernelVision.Cpu",
        ["gpu"] = "KernelVision.Gpu",
        ["gpu-sim"] = "KernelVision.Gpu",
    };

    private static readonly ConcurrentDictionary<string, bool> Probed = new(StringComparer.Ordinal);

    /// <summary>"auto": gpu when a GPU is present, else the default backend.</summary>
    public const string Auto = "auto";

    /// <summary>Every name the CLI accepts, built or not.</summary>
    public static IReadOnlyList<string> KnownNames { get; } = ["reference", "cpu", "gpu", "gpu-sim", Auto];

    /// <summary>Makes <paramref name="name"/> available. <paramref name="isPresent"/> tells "auto" whether the hardware is there (null: always).</summary>
    public static void Register(string name, Func<IBackend> factory, Func<bool>? isPresent = null) =>
        Factories[name] = new(factory, isPresent);

    /// <summary>True when <paramref name="name"/> is registered (loading its provider assembly if it is deployed).</summary>
    public static bool IsAvailable(string name)
    {
        if (Factories.ContainsKey(name)) return true;
        Probe(name);
        return Factories.ContainsKey(name);
    }

    /// <summary>The backend used when none is named: "cpu" when KernelVision.Cpu is deployed, else "reference".</summary>
    public static string DefaultName => IsAvailable("cpu") ? "cpu" : "reference";

    /// <summary>A new instance of the <see cref="DefaultName"/> backend.</summary>
    public static IBackend CreateDefault() => Create(DefaultName);

    /// <summary>What "auto" resolves to here: "gpu" when it is registered and a GPU is present, else <see cref="DefaultName"/>.</summary>
    public static string ResolveAuto()
    {
        if (IsAvailable("gpu") && Factories.TryGetValue("gpu", out var gpu))
        {
            // A GPU probe that throws (broken driver) means no usable GPU, not a failed run.
            try { if (gpu.IsPresent?.Invoke() ?? true) return "gpu"; }
            catch (Exception e) when (e is not OutOfMemoryException) { }
        }
        return DefaultName;
    }

    /// <summary>The backend called <paramref name="name"/>, or a clear error when it is unknown or not built.</summary>
    public static IBackend Create(string name)
    {
        if (string.Equals(name, Auto, StringComparison.OrdinalIgnoreCase)) name = ResolveAuto();
        if (IsAvailable(name) && Factories.TryGetValue(name, out var f)) return f.Create();
        if (KnownNames.Contains(name, StringComparer.OrdinalIgnoreCase))
            throw new UnsupportedException($"backend '{name}' is not available in this build (available: {string.Join(", ", Factories.Keys.Order())})");
        throw new InputException($"unknown backend '{name}' (choose from {string.Join(", ", KnownNames)})");
    }

    // No lock is held here: the provider's module initializer calls Register, possibly on another
    // thread that got there first by touching a provider type; the runtime serialises the initializer.
    private static void Probe(string name)
    {
        if (!Providers.TryGetValue(name, out var assemblyName) || !Probed.TryAdd(assemblyName, true)) return;
        Assembly assembly;
        try { assembly = Assembly.Load(new AssemblyName(assemblyName)); }
        catch (Exception e) when (e is FileNotFoundException or FileLoadException or BadImageFormatException) { return; }
        RuntimeHelpers.RunModuleConstructor(assembly.ManifestModule.ModuleHandle);
    }
}
