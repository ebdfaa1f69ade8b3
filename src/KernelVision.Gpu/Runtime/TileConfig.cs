using ILGPU.Runtime;

namespace KernelVision.Gpu.Runtime;

/// <summary>The GEMM tile class of a device (it decides the register-tiled kernel: <see cref="TileConfig.PickPacked"/>).</summary>
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

/// <summary>Which generated register-tiled kernel (Device/PackedGemm.g.cs) a launch uses.</summary>
public enum PackedTile
{
    /// <summary>128×128, 256 threads.</summary>
    T128x128,
    /// <summary>128×64, 128 threads.</summary>
    T128x64,
    /// <summary>64×128, 128 threads.</summary>
    T64x128,
    /// <summary>64×64, 64 threads.</summary>
    T64x64,
    /// <summary>32×32, 16 threads: small-group devices.</summary>
    T32x32,
    /// <summary>64×64 with K-step 32, 16 threads of 16×16: the simulator.</summary>
    Sim64,
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

    /// <summary>(TM, TN) of a packed tile.</summary>
    public static (int TM, int TN) Shape(PackedTile t) => t switch
    {
        PackedTile.T128x128 => (128, 128),
        PackedTile.T128x64 => (128, 64),
        PackedTile.T64x128 => (64, 128),
        PackedTile.T32x32 => (32, 32),
        _ => (64, 64),
    };

    /// <summary>
    /// The register-tiled kernel for an M×N output of <paramref name="slices"/> slices. Simulator and
    /// small-group devices have one each. 256-thread GPUs take the largest tile whose groups still make
    /// two full waves over the multiprocessors (tall or wide following the output's shape), else 64×64,
    /// which split-K then multiplies when even that leaves multiprocessors idle.
    /// </summary>
    public PackedTile PickPacked(long m, long n, long slices)
    {
        if (ForcePackedTile is PackedTile forced) return forced;
        if (GemmTiles.Contains(GemmTile.Sim64)) return PackedTile.Sim64;
        if (!GemmTiles.Contains(GemmTile.Medium64)) return PackedTile.T32x32;
        var order = m >= n
            ? new[] { PackedTile.T128x128, PackedTile.T128x64, PackedTile.T64x128 }
            : new[] { PackedTile.T128x128, PackedTile.T64x128, PackedTile.T128x64 };
        foreach (var t in order)
        {
            var (tm, tn) = Shape(t);
            long groups = (m + tm - 1) / tm * ((n + tn - 1) / tn) * slices;
            if (m >= tm * 3 / 4 && n >= tn * 3 / 4 && groups >= 2L * Multiprocessors) return t;
        }
        return PackedTile.T64x64;
    }

    /// <summary>
    /// K chunks for an M×N×K product of <paramref name="slices"/> slices with <paramref name="tile"/>:
    /// 1 unless its groups cannot fill the device (fewer than the multiprocessors) and K is long;
    /// then enough chunks for about two groups per multiprocessor, each at least 256 deep. The
    /// simulator never splits (it runs one group at a time anyway).
    /// </summary>
    public int SplitKPacked(long m, long n, long k, long slices, PackedTile tile)
    {
        if (ForceSplitK is int forced) return Math.Max(1, (int)Math.Min(forced, Math.Max(1, k)));
        if (tile == PackedTile.Sim64) return 1;
        var (tm, tn) = Shape(tile);
        long tiles = (m + tm - 1) / tm * ((n + tn - 1) / tn) * slices;
        if (tiles >= Multiprocessors) return 1;
        long splits = Math.Min((2L * Multiprocessors + tiles - 1) / tiles, k / 256);
        return (int)Math.Max(1, Math.Min(splits, 64));
    }

    /// <summary>Forces this packed tile on every launch from this thread (tests run every generated kernel); null: <see cref="PickPacked"/> decides.</summary>
    public static PackedTile? ForcePackedTile
    {
        get => t_forcePackedTile;
        set => t_forcePackedTile = value;
    }

    [ThreadStatic] private static PackedTile? t_forcePackedTile;

    /// <summary>Forces this many K chunks on every GEMM launched from this thread (tests run split-K on the simulator); null: <see cref="SplitKPacked"/> decides.</summary>
    public static int? ForceSplitK
    {
        get => t_forceSplitK;
        set => t_forceSplitK = value;
    }

    [ThreadStatic] private static int? t_forceSplitK;

}
