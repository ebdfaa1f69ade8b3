using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
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

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void Pack<TAct>(float* dst, int width, int x0, int count, int k0, int kc) where TAct : struct, IInRegisterActivation
    {
        var alpha = Vector256.Create(Act.Alpha);
        var beta = Vector256.Create(Act.Beta);
        int vectors = Vector256.IsHardwareAccelerated ? count & ~7 : 0;
        for (int kk = 0; kk < kc; kk++)
        {
            int k = k0 + kk;
            float* s = X + (long)k * Plane + x0, d = dst + (long)kk * width;
            float m = Mean[k], a = Factor[k], b = Shift[k];
            Vector256<float> vm = Vector256.Create(m), va = Vector256.Create(a), vb = Vector256.Create(b);
            int x = 0;
            for (; x < vectors; x += 8)
                Vector256.Store(TAct.Apply<Lanes256, Vector256<float>>(Vector256.FusedMultiplyAdd(Vector256.Load(s + x) - vm, va, vb), alpha, beta), d + x);
            for (; x < count; x++) d[x] = Act.Apply(MathF.FusedMultiplyAdd(s[x] - m, a, b));
            for (; x < width; x++) d[x] = 0;
        }
    }
}
