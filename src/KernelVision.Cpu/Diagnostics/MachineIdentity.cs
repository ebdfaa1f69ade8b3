using System.Runtime.InteropServices;

namespace KernelVision.Cpu.Diagnostics;

/// <summary>What a measurement ran on, for tables and for keys of choices measured on this machine.</summary>
public static class MachineIdentity
{
    /// <summary>
    /// The CPU's model name (/proc/cpuinfo on Linux), else the process architecture. Read once per
    /// process: the tuning cache asks for it at every conv's planning, and a read of /proc/cpuinfo
    /// costs about 6 ms on this VM (ResNet-18's first run with a filled cache was 90 ms slower than without).
    /// </summary>
    public static string CpuModel() => Model.Value;

    private static readonly Lazy<string> Model = new(ReadCpuModel);

    private static string ReadCpuModel()
    {
        try
        {
            if (File.Exists("/proc/cpuinfo"))
            {
                foreach (var line in File.ReadLines("/proc/cpuinfo"))
                    if (line.StartsWith("model name", StringComparison.Ordinal))
                        return line[(line.IndexOf(':') + 1)..].Trim();
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { }
        return RuntimeInformation.ProcessArchitecture.ToString();
    }
}
