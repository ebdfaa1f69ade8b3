using System.Diagnostics;

namespace KernelVision.Cpu.Diagnostics;

/// <summary>
/// The process's resident memory as the kernel counts it (Linux /proc/self/status), for
/// <c>kv bench</c> and the benchmarks' memory comparison; other systems fall back to the
/// .NET working-set figures.
/// </summary>
public static class ProcessMemory
{
    /// <summary>Peak resident set: VmHWM, else <see cref="Process.PeakWorkingSet64"/>; with the source's name.</summary>
    public static (long Bytes, string Source) Peak() =>
        Status("VmHWM:") is { } kb ? (kb * 1024, "VmHWM") : (Current(p => p.PeakWorkingSet64), "Process.PeakWorkingSet64");

    /// <summary>
    /// Resets the peak (VmHWM) to the current resident set, so a later <see cref="Peak"/> measures one
    /// stretch of work; Linux only (/proc/self/clear_refs). False where the kernel does not allow it.
    /// </summary>
    public static bool TryResetPeak()
    {
        try
        {
            File.WriteAllText("/proc/self/clear_refs", "5");
            return true;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { return false; }
    }

    /// <summary>Resident set now: VmRSS, else <see cref="Process.WorkingSet64"/>; with the source's name.</summary>
    public static (long Bytes, string Source) Resident() =>
        Status("VmRSS:") is { } kb ? (kb * 1024, "VmRSS") : (Current(p => p.WorkingSet64), "Process.WorkingSet64");

    private static long Current(Func<Process, long> read)
    {
        using var p = Process.GetCurrentProcess();
        return read(p);
    }

    /// <summary>A "Name:  123 kB" field of /proc/self/status in KiB, or null where there is none.</summary>
    private static long? Status(string field)
    {
        try
        {
            if (!File.Exists("/proc/self/status")) return null;
            foreach (var line in File.ReadLines("/proc/self/status"))
            {
                if (!line.StartsWith(field, StringComparison.Ordinal)) continue;
                var parts = line[field.Length..].Trim().Split(' ', StringSplitOptions.RemoveEmptyEntries);
                if (parts.Length == 2 && parts[1] == "kB" && long.TryParse(parts[0], out long kb)) return kb;
            }
        }
        catch (IOException) { }
        return null;
    }
}
