using ILGPU.Runtime;

namespace KernelVision.Gpu.Runtime;

/// <summary>Which compiled variant of the tiled GEMM engine a launch uses.</summary>
public enum GemmTile
{
    /// <summary>16×16 output tile, K-step 8, 4×4 per thread, 16 threads: small-group devices other than the simulator.</summary>
    Small16,
    /// <summary>64×64 output tile, K-step 64, 16×16 per thread, 16 threads: the simulator (fewest barriers per multiply-add).</summary>
    Sim64,
    /// <summary>64×64 tile, K-step 16, 4×4 per thread, 256 threads: GPUs, small problems.</summary>
    Medium64,
    /// <summary>128×128 tile, K-step 8, 8×8 per thread, 256 threads: GPUs, large problems.</summary>
    Large128,
}

/// <summary>
/// Launch shapes chosen for one accelerator from its warp size, maximum group size and shared
/// memory per group. Kernels are compiled once per variant they actually use.
/// </summary>
public sealed record TileConfig(string Name, GemmTile[] GemmTiles, int GroupSize, int ReduceGroupSize,
    int DepthwiseTileW, int DepthwiseTileH, int Multiprocessors, int ElementThreads)
{
    /// <summary>
    /// Element-wise launches on the simulator use this many threads, each looping over its share:
    /// ILGPU's CPU accelerator pays an OS-level barrier per group, so one thread per element would
    /// cost microseconds per element.
    /// </summary>
    public const int SimulatorElementThreads = 64;

    /// <summary>Shared-memory floats of the depthwise kernel's input patch (a compile-time constant of the kernel).</summary>
    public const int DepthwisePatch = 2304;

    /// <summary>The configuration for <paramref name="a"/>.</summary>
    public static TileConfig For(Accelerator a)
    {
        int maxGroup = a.MaxNumThreadsPerGroup;
        long shared = a.MaxSharedMemoryPerGroup;
        bool big = maxGroup >= 256 && shared >= 16 * 1024 && a.WarpSize >= 16;
        int mps = Math.Max(1, a.NumMultiprocessors);
        int elementThreads = a.AcceleratorType == AcceleratorType.CPU ? SimulatorElementThreads : int.MaxValue;
        if (big)
        {
            // 256-thread groups: 8 warps of 32 (or 4 wavefronts of 64).
            return new TileConfig("gpu-256", [GemmTile.Medium64, GemmTile.Large128], 256, 256, 16, 16, mps, elementThreads);
        }
        int g = Math.Max(1, Math.Min(16, maxGroup));
        // On ILGPU's CPU accelerator a barrier is an OS-level rendezvous of the group's threads, so the
        // simulator takes the tile with the most work per barrier (a 16-thread group still shares tiles).
        var gemm = a.AcceleratorType == AcceleratorType.CPU && g == 16 ? GemmTile.Sim64 : GemmTile.Small16;
        return new TileConfig($"small-{g}", [gemm], g, g, 4, 4, mps, elementThreads);
    }

    /// <summary>Forces this many K chunks on every GEMM launched from this thread (tests run split-K on the simulator); null: <see cref="SplitK"/> decides.</summary>
    public static int? ForceSplitK
    {
        get => t_forceSplitK;
        set => t_forceSplitK = value;
    }

    [ThreadStatic] private static int? t_forceSplitK;

    /// <summary>
    /// K chunks for an M×N×K product of <paramref name="slices"/> slices with <paramref name="tile"/>:
    /// 1 unless its tiles cannot fill the device (fewer than the multiprocessors) and K is long;
    /// then enough chunks for about two groups per multiprocessor, each at least 256 deep. The
    /// simulator never splits (it runs one group at a time anyway).
    /// </summary>
    public int SplitK(long m, long n, long k, long slices, GemmTile tile)
    {
        if (ForceSplitK is int forced) return Math.Max(1, (int)Math.Min(forced, k));
        if (GemmTiles.Contains(GemmTile.Sim64)) return 1;
        int side = tile switch { GemmTile.Large128 => 128, GemmTile.Small16 => 16, _ => 64 };
        long tiles = (m + side - 1) / side * ((n + side - 1) / side) * slices;
        if (tiles >= Multiprocessors) return 1;
        long splits = Math.Min((2L * Multiprocessors + tiles - 1) / tiles, k / 256);
        return (int)Math.Max(1, Math.Min(splits, 64));
    }

    /// <summary>
    /// The GEMM tile for an M×N output (per batch/group slice, <paramref name="slices"/> of them):
    /// the 128 tile when it still yields a couple of groups per multiprocessor, else 64, else the small-group one.
    /// </summary>
    public GemmTile PickGemm(long m, long n, long slices)
    {
        if (GemmTiles.Contains(GemmTile.Large128))
        {
            long tiles128 = (m + 127) / 128 * ((n + 127) / 128) * slices;
            if (m >= 96 && n >= 96 && tiles128 >= 2L * Multiprocessors) return GemmTile.Large128;
        }
        if (GemmTiles.Contains(GemmTile.Medium64)) return GemmTile.Medium64;
        return GemmTiles.Contains(GemmTile.Sim64) ? GemmTile.Sim64 : GemmTile.Small16;
    }
}
