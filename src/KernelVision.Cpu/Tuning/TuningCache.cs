using System.Collections.Concurrent;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using System.Text.Json;
using KernelVision.Cpu.Diagnostics;
using KernelVision.Cpu.Gemm;

namespace KernelVision.Cpu.Tuning;

/// <summary>
/// Algorithm choices measured on this machine, kept on disk so that a second load of a model costs
/// no timing. One JSON file per machine key — CPU model, ISA, GEMM microkernel, thread count and
/// the tuner's version — mapping a node key (op, attributes that matter, input and weight shapes)
/// to the chosen variant. A choice made on one CPU is never read on another: the key differs.
/// </summary>
/// <remarks>
/// Location: <c>KV_TUNING_CACHE</c> (a directory) if set, else <c>$XDG_CACHE_HOME/kernelvision/tuning</c>,
/// else <c>~/.cache/kernelvision/tuning</c>. An unwritable or damaged cache is not an error: the
/// choices then live for the process only (an embedded host with a read-only disk still tunes).
/// </remarks>
public sealed class TuningCache
{
    /// <summary>
    /// Bumped whenever the candidate set, the variants' names or their relative speed change, so
    /// old files are not read (2: Im2ColInPlace joined the candidates; ragged GEMM edges and the
    /// thread pool's affinity changed which path wins; 3: Im2ColInPlace takes stride 2, and the
    /// transposed paths' vector 6-wide packing made PointwiseT win where it lost; 4: Im2ColInPlaceT
    /// joined the candidates).
    /// </summary>
    public const int Version = 4;

    private static readonly ConcurrentDictionary<string, TuningCache> ByMachine = new();
    private readonly ConcurrentDictionary<string, string> _choices;
    private readonly object _writeLock = new();

    private TuningCache(string machineKey, string? path)
    {
        MachineKey = machineKey;
        FilePath = path;
        _choices = new ConcurrentDictionary<string, string>(Read(path));
    }

    /// <summary>The cache for this machine at <paramref name="threads"/> threads (one instance per process).</summary>
    public static TuningCache For(int threads)
    {
        string key = $"{MachineIdentity.CpuModel()}|{Isa()}|{GemmKernel.Best.Name}|t{threads}|v{Version}";
        return ByMachine.GetOrAdd(key, k => new TuningCache(k, PathFor(k)));
    }

    /// <summary>What the choices are measured on: CPU model, ISA, GEMM microkernel, threads, tuner version.</summary>
    public string MachineKey { get; }

    /// <summary>The file the choices are kept in (null: no cache directory could be found).</summary>
    public string? FilePath { get; }

    /// <summary>The cached choice for <paramref name="nodeKey"/>, or null.</summary>
    public string? Get(string nodeKey) => _choices.TryGetValue(nodeKey, out var v) ? v : null;

    /// <summary>Records a choice and writes the file (merged with what other processes wrote meanwhile).</summary>
    public void Set(string nodeKey, string choice)
    {
        _choices[nodeKey] = choice;
        if (FilePath is null) return;
        lock (_writeLock)
        {
            try
            {
                Directory.CreateDirectory(Path.GetDirectoryName(FilePath)!);
                var merged = Read(FilePath);
                foreach (var (k, v) in _choices) merged[k] = v;
                // Write then rename: a reader never sees half a file, and concurrent writers lose at most an entry.
                string tmp = $"{FilePath}.{Environment.ProcessId}.tmp";
                File.WriteAllText(tmp, JsonSerializer.Serialize(new CacheFile(MachineKey, merged), JsonOptions));
                File.Move(tmp, FilePath, overwrite: true);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                // Choices stay in memory for this process; see the remarks.
            }
        }
    }

    /// <summary>Forgets every cached choice of this machine key, in memory and on disk (tests, <c>kv tune --fresh</c>).</summary>
    public void Clear()
    {
        _choices.Clear();
        if (FilePath is null) return;
        lock (_writeLock)
        {
            try { File.Delete(FilePath); }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException) { }
        }
    }

    private sealed record CacheFile(string Machine, Dictionary<string, string> Choices);

    private static readonly JsonSerializerOptions JsonOptions = new() { WriteIndented = true };

    private static Dictionary<string, string> Read(string? path)
    {
        try
        {
            if (path is not null && File.Exists(path) &&
                JsonSerializer.Deserialize<CacheFile>(File.ReadAllText(path)) is { Choices: { } c })
                return new Dictionary<string, string>(c);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or JsonException)
        {
            // A damaged file is re-measured and overwritten, never trusted.
        }
        return [];
    }

    private static string? PathFor(string machineKey)
    {
        string? dir = Environment.GetEnvironmentVariable("KV_TUNING_CACHE");
        if (string.IsNullOrEmpty(dir))
        {
            string? xdg = Environment.GetEnvironmentVariable("XDG_CACHE_HOME");
            string home = Environment.GetFolderPath(Environment.SpecialFolder.UserProfile);
            string? root = !string.IsNullOrEmpty(xdg) ? xdg : !string.IsNullOrEmpty(home) ? Path.Combine(home, ".cache") : null;
            if (root is null) return null;
            dir = Path.Combine(root, "kernelvision", "tuning");
        }
        // The file name is a hash of the key: CPU model strings hold spaces, slashes and '@'.
        uint h = 2166136261;
        foreach (char ch in machineKey) h = (h ^ ch) * 16777619;
        return Path.Combine(dir, $"{h:x8}.json");
    }

    /// <summary>The vector ISA the kernels may use (what changes their speed between machines).</summary>
    public static string Isa()
    {
        var isa = new List<string>();
        if (Vector512.IsHardwareAccelerated && Avx512F.IsSupported) isa.Add("avx512");
        if (Avx2.IsSupported) isa.Add("avx2");
        if (Fma.IsSupported) isa.Add("fma");
        if (System.Runtime.Intrinsics.Arm.AdvSimd.IsSupported) isa.Add("advsimd");
        return isa.Count == 0 ? "scalar" : string.Join("+", isa);
    }
}
