using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using KernelVision.Cpu.Gemm;
using KernelVision.Cpu.Kernels.Neural;
using KernelVision.Ops;

namespace KernelVision.Cpu.Conv;

/// <summary>
/// The image operand of a 1×1 conv whose input is normalised on the way in (a fused
/// BatchNormalization, <see cref="Ops.Neural.Conv.InputNormalization"/>): element (x = pixel,
/// k = channel) is act((X[k, x] − mean[k])·factor[k] + shift[k]), computed while the panel is packed,
/// so the normalised image is never written out and read back. It serves as B (channels × pixels)
/// and as the transposed product's A (pixels × channels): both see pixel x of channel k. The
/// transposed conv path instead normalises each task's pixels into a local copy first
/// (<see cref="NormalizeRegion"/>), which streams X where the 6-wide packing hops between rows.
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
        // The activation is chosen once per panel: a panel row is only 6–32 values, too short to
        // pay for a dispatch each (the shared BatchNormalization row routine makes one per call).
        switch (Act.Kind)
        {
            case ActivationKind.None: Pack<ChannelActivation.Linear>(dst, width, x0, count, k0, kc); break;
            case ActivationKind.Relu: Pack<ChannelActivation.Relu>(dst, width, x0, count, k0, kc); break;
            case ActivationKind.LeakyRelu: Pack<ChannelActivation.LeakyRelu>(dst, width, x0, count, k0, kc); break;
            case ActivationKind.Clip: Pack<ChannelActivation.Clip>(dst, width, x0, count, k0, kc); break;
            case ActivationKind.HardSigmoid: Pack<ChannelActivation.HardSigmoid>(dst, width, x0, count, k0, kc); break;
            default: // Sigmoid, Tanh: not in registers
                for (int kk = 0; kk < kc; kk++)
                {
                    int k = k0 + kk;
                    float* d = dst + (long)kk * width;
                    BatchNormalizationCpu.Normalize(new ReadOnlySpan<float>(X + (long)k * Plane + x0, count), new Span<float>(d, count), Mean[k], Factor[k], Shift[k], Act);
                    new Span<float>(d + count, width - count).Clear();
                }
                break;
        }
    }

    /// <summary>
    /// Pixels [<paramref name="x0"/>, <paramref name="x1"/>) of every channel, normalised into
    /// <paramref name="dst"/> (channel k's row at dst + k·(x1 − x0)): a pass that reads each
    /// channel's pixels in order, which the prefetchers follow, where a 6-wide panel's pack reads
    /// one short piece of every channel row in turn.
    /// </summary>
    public void NormalizeRegion(float* dst, int channels, int x0, int x1)
    {
        int w = x1 - x0;
        for (int k = 0; k < channels; k++)
            BatchNormalizationCpu.Normalize(new ReadOnlySpan<float>(X + (long)k * Plane + x0, w), new Span<float>(dst + (long)k * w, w), Mean[k], Factor[k], Shift[k], Act);
    }

    private void Pack<TAct>(float* dst, int width, int x0, int count, int k0, int kc) where TAct : struct, IInRegisterActivation
    {
        if (width == 6 && Avx2.IsSupported && kc > 0)
        {
            // The transposed product's A panel: six pixels per channel, one masked load, the affine
            // step and activation in one vector, and an 8-wide store that spills into the next k row
            // (its own store overwrites it), as GemmPacking does for plain panels; the last row
            // stores exactly six. The lanes past `count` must be zero, not act(shift).
            var lanes = Vector256.LessThan(Vector256.Create(0, 1, 2, 3, 4, 5, 6, 7), Vector256.Create(count)).AsSingle();
            var alpha = Vector256.Create(Act.Alpha);
            var beta = Vector256.Create(Act.Beta);
            for (int kk = 0; kk < kc; kk++)
            {
                int k = k0 + kk;
                var v = Vector256.FusedMultiplyAdd(Avx.MaskLoad(X + (long)k * Plane + x0, lanes) - Vector256.Create(Mean[k]), Vector256.Create(Factor[k]), Vector256.Create(Shift[k]));
                v = TAct.Apply<Lanes256, Vector256<float>>(v, alpha, beta) & lanes;
                if (kk < kc - 1) Avx.Store(dst + kk * 6, v);
                else Avx.MaskStore(dst + kk * 6, GemmPacking.Six, v);
            }
            return;
        }
        for (int kk = 0; kk < kc; kk++)
        {
            int k = k0 + kk;
            float* d = dst + (long)kk * width;
            BatchNormalizationCpu.AffineAct<TAct>(new ReadOnlySpan<float>(X + (long)k * Plane + x0, count), new Span<float>(d, count), Mean[k], Factor[k], Shift[k], Act);
            new Span<float>(d + count, width - count).Clear();
        }
    }
}
