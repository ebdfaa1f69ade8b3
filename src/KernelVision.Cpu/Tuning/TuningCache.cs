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
                Write(tmp, MachineKey, merged);
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

    // The file is read and written with the JSON reader and writer, not JsonSerializer: its
    // reflection path JIT-compiles a converter for every primitive type on first use, which with
    // tiered compilation off (kv, the benchmarks) cost a cached load about 30 ms.

    /// <summary>Writes <c>{"Machine": key, "Choices": {node: choice, …}}</c>, indented.</summary>
    private static void Write(string path, string machineKey, Dictionary<string, string> choices)
    {
        using var stream = File.Create(path);
        using var w = new Utf8JsonWriter(stream, new JsonWriterOptions { Indented = true });
        w.WriteStartObject();
        w.WriteString("Machine", machineKey);
        w.WriteStartObject("Choices");
        foreach (var (k, v) in choices) w.WriteString(k, v);
        w.WriteEndObject();
        w.WriteEndObject();
    }

    /// <summary>The file's choices; empty when it is missing, unreadable or not of that shape.</summary>
    internal static Dictionary<string, string> Read(string? path)
    {
        var choices = new Dictionary<string, string>();
        try
        {
            if (path is null || !File.Exists(path)) return choices;
            using var doc = JsonDocument.Parse(File.ReadAllBytes(path));
            if (doc.RootElement.ValueKind != JsonValueKind.Object || !doc.RootElement.TryGetProperty("Choices", out var c) || c.ValueKind != JsonValueKind.Object)
                return choices;
            foreach (var entry in c.EnumerateObject())
            {
                // A damaged file is re-measured and overwritten, never trusted.
                if (entry.Value.ValueKind != JsonValueKind.String) return [];
                choices[entry.Name] = entry.Value.GetString()!;
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or JsonException)
        {
            return [];
        }
        return choices;
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
