using KernelVision.Gpu.Device;
using KernelVision.Gpu.Runtime;
using KernelVision.Tensors;

namespace KernelVision.Gpu.Kernels.Elementwise;

/// <summary>Binary ops with broadcasting helpers.</summary>
internal static class Broadcast
{
    /// <summary>Dims of <paramref name="y"/> with broadcast strides of <paramref name="a"/> (S) and <paramref name="b"/> (T), or null beyond 6 dims.</summary>
    public static Dims6? Of(int[] y, int[] a, int[] b)
    {
        if (y.Length > Shapes.MaxRank) return null;
        return Shapes.Box(y, ShapeUtil.BroadcastStrides(a, y.Length), ShapeUtil.BroadcastStrides(b, y.Length));
    }
}
