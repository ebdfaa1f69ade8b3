using System.Runtime.InteropServices;

namespace KernelVision.Cpu.Diagnostics;

/// <summary>What a measurement ran on, for tables and for keys of choices measured on this machine.</summary>
public static class MachineIdentity
{
    /// <summary>The CPU's model name (/proc/cpuinfo on Linux), else the process architecture.</summary>
    public static string CpuModel()
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
