using System.CommandLine;
using KernelVision.Gpu.Runtime;

namespace KernelVision.Cli.Commands;

/// <summary><c>kv devices</c>: every accelerator ILGPU finds, its limits, and whether <c>--backend gpu</c> would use it.</summary>
internal static class DevicesCommand
{
    public static Command Create(TextWriter o)
    {
        var cmd = new Command("devices", "List the accelerators ILGPU finds (CUDA, OpenCL, CPU simulator)");
        cmd.SetAction(_ =>
        {
            var list = GpuDevice.Enumerate();
            o.WriteLine($"{"type",-7} {"name",-34} {"memory",10} {"warp",5} {"max group",9} {"shared/group",12} {"SMs",4}  use");
            foreach (var d in list)
            {
                string mem = d.MemoryBytes >= long.MaxValue / 2 ? "host" : $"{d.MemoryBytes / (1024.0 * 1024 * 1024):F1} GiB";
                string shared = d.SharedMemoryPerGroup >= int.MaxValue ? "unbounded" : $"{d.SharedMemoryPerGroup / 1024} KiB";
                o.WriteLine($"{d.Type,-7} {Trim(d.Name, 34),-34} {mem,10} {d.WarpSize,5} {d.MaxGroupSize,9} {shared,12} {d.Multiprocessors,4}  {(d.Usable ? "yes" : "no")}: {d.Note}");
            }
            if (!list.Any(d => d.Usable))
                o.WriteLine("no GPU accelerator found: --backend gpu is unavailable; --backend gpu-sim runs the same kernels on ILGPU's CPU simulator (slow)");
            return 0;
        });
        return cmd;
    }

    private static string Trim(string s, int n) => s.Length <= n ? s : s[..(n - 1)] + "…";
}
