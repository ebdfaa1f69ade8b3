using ILGPU;
using ILGPU.Runtime;
using KernelVision.Gpu.Device;
using KernelVision.Gpu.Runtime;
using KernelVision.Tensors;

namespace KernelVision.Gpu.Kernels.Layout;

/// <summary>Strided device copies (the gather kernel) shared by the layout ops.</summary>
internal static class Copies
{
    /// <summary>Y[dst] = X[src] over <paramref name="dims"/> with source strides <paramref name="s"/> and destination strides <paramref name="t"/>; false when it does not fit 6 dims.</summary>
    public static bool Strided(GpuDevice d, ArrayView<float> x, ArrayView<float> y, int[] dims, int[] s, int[] t, int baseS = 0, int baseT = 0)
    {
        var (cd, cs, ct) = Shapes.Coalesce(dims, s, t);
        if (cd.Length > Shapes.MaxRank) return false;
        int n = ShapeUtil.Size(dims);
        Launch.Elements(d, ElementwiseKernels.Copy, n, new CopyArgs { X = x, Y = y, Dims = Shapes.Box(cd, cs, ct, baseS, baseT) });
        return true;
    }

    /// <summary>A plain device-to-device copy of a whole tensor.</summary>
    public static void Whole(GpuDevice d, ArrayView<float> x, ArrayView<float> y)
    {
        if (y.Length == 0) return;
        ((ArrayView1D<float, Stride1D.Dense>)x).CopyTo(d.Accelerator.DefaultStream, (ArrayView1D<float, Stride1D.Dense>)y);
    }
}
