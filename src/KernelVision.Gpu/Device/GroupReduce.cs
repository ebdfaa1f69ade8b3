using ILGPU;
using ILGPU.Algorithms;

namespace KernelVision.Gpu.Device;

/// <summary>
/// Group-wide sum and max through shared memory: a tree with one barrier per level, every thread gets
/// the result. Used instead of ILGPU.Algorithms' <c>GroupExtensions.AllReduce</c>, which on the CPU
/// accelerator (gpu-sim) never returned once a NaN reached it — a Softmax, global pool, norm or mean
/// over a row holding NaN hung the simulator (found by the gpu-sim fuzz campaign). The tree also adds
/// in a fixed order, so a row's sum is the same on every run.
/// </summary>
public static class GroupReduce
{
    /// <summary>Largest group the row kernels launch (TileConfig.ReduceGroupSize is at most 256).</summary>
    public const int MaxGroupSize = 1024;

    /// <summary>Sum of <paramref name="value"/> over the group's threads.</summary>
    public static float Sum(float value) => Reduce(value, max: false);

    /// <summary>Maximum of <paramref name="value"/> over the group's threads (XMath.Max's NaN rule).</summary>
    public static float Max(float value) => Reduce(value, max: true);

    private static float Reduce(float value, bool max)
    {
        var shared = SharedMemory.Allocate<float>(MaxGroupSize);
        int tid = Group.IdxX, n = Group.DimX;
        shared[tid] = value;
        Group.Barrier();
        int half = 1;
        while (half < n) half <<= 1;
        // half is now the power of two ≥ n; each level folds the upper half onto the lower one.
        for (half >>= 1; half > 0; half >>= 1)
        {
            if (tid < half && tid + half < n)
                shared[tid] = max ? XMath.Max(shared[tid], shared[tid + half]) : shared[tid] + shared[tid + half];
            Group.Barrier();
        }
        float result = shared[0];
        Group.Barrier(); // all have read it before a following reduction overwrites the buffer
        return result;
    }
}
