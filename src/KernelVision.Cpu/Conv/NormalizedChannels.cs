using KernelVision.Cpu.Gemm;
using KernelVision.Cpu.Kernels.Neural;
using KernelVision.Ops;

namespace KernelVision.Cpu.Conv;

/// <summary>
/// The image operand of a 1×1 conv whose input is normalised on the way in (a fused
/// BatchNormalization, <see cref="Ops.Neural.Conv.InputNormalization"/>): element (x = pixel,
/// k = channel) is act((X[k, x] − mean[k])·factor[k] + shift[k]), computed while the panel is packed,
/// so the normalised image is never written out and read back. It serves as B (channels × pixels)
/// and as the transposed product's A (pixels × channels): both see pixel x of channel k.
/// </summary>
internal sealed unsafe class NormalizedChannels : IGemmPanelSource
{
    /// <summary>The group's first channel of the image (set per run), its channel stride, and its channels' statistics (pinned).</summary>
    public float* X, Mean, Factor, Shift;

    /// <summary>Pixels per channel.</summary>
    public int Plane;

    /// <summary>The activation the BatchNormalization carried (ReLU in DenseNet).</summary>
    public FusedActivation Act;

    /// <inheritdoc/>
    public void PackPanel(float* dst, int width, int x0, int count, int k0, int kc)
    {
        for (int kk = 0; kk < kc; kk++)
        {
            int k = k0 + kk;
            float* d = dst + (long)kk * width;
            BatchNormalizationCpu.Normalize(new ReadOnlySpan<float>(X + (long)k * Plane + x0, count), new Span<float>(d, count), Mean[k], Factor[k], Shift[k], Act);
            new Span<float>(d + count, width - count).Clear();
        }
    }
}
