using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using KernelVision.Backends;
using KernelVision.Cpu.Conv;
using KernelVision.Cpu.Threading;
using KernelVision.Ops;
using KernelVision.Ops.Neural;
using KernelVision.Tensors;

namespace KernelVision.Cpu.Kernels.Neural;

/// <summary>
/// BatchNormalization (inference) on float32: the statistics fold once per run, in double, into a
/// per-channel factor a = scale/√(var + ε); every element then takes one fused pass
/// y = (x − mean)·a + B (subtracting the mean first keeps the result accurate when mean·a is large
/// next to y). Legacy non-spatial statistics are applied per (channel, position). Float64 runs on
/// the Reference kernel, as does training mode (batch statistics: a test-data form, not inference).
/// A fused activation runs on each plane right after it is written.
/// </summary>
[BackendKernel("cpu")]
public sealed unsafe class BatchNormalizationCpu(BatchNormalization op) : CpuKernel<BatchNormalization>(op)
{
    private float[] _factor = [];

    /// <summary>Float32 in inference mode.</summary>
    protected override bool Handles(IReadOnlyList<Tensor?> inputs, IReadOnlyList<Tensor?> outputs) =>
        !Op.TrainingMode && base.Handles(inputs, outputs);

    /// <inheritdoc/>
    protected override void Compute(IReadOnlyList<Tensor?> inputs, IReadOnlyList<Tensor?> outputs)
    {
        var x = inputs[0]!;
        var scale = inputs[1]!.Floats;
        var variance = inputs[4]!.Floats;
        if (_factor.Length != scale.Length) _factor = new float[scale.Length];
        Factors(scale, variance, Op.Epsilon, _factor);

        int channels = x.Shape[1];
        int plane = ShapeUtil.Product(x.Shape, 2, x.Rank);
        var job = new Job(x, outputs[0]!, _factor, inputs[3]!, inputs[2]!, channels, plane, Op.Spatial, Op.Activation);
        ParallelRange.For(Pool, x.Shape[0] * channels, Math.Max(1, 32768 / Math.Max(1, plane)), job, static (j, p0, p1) =>
        {
            var xs = j.X.Floats;
            var ys = j.Y.Floats;
            var mean = j.Mean.Floats;
            var shift = j.Shift.Floats;
            for (int p = p0; p < p1; p++)
            {
                int c = p % j.Channels, at = p * j.Plane;
                if (j.Spatial) Normalize(xs.Slice(at, j.Plane), ys.Slice(at, j.Plane), mean[c], j.Factor[c], shift[c], j.Act);
                else
                    for (int i = 0; i < j.Plane; i++)
                    {
                        int s = c * j.Plane + i;
                        ys[at + i] = j.Act.Apply(MathF.FusedMultiplyAdd(xs[at + i] - mean[s], j.Factor[s], shift[s]));
                    }
            }
        });
    }

    /// <summary>
    /// The per-channel factors a = scale/√(var + ε), folded in double, into <paramref name="factor"/>
    /// (one per channel): shared with the Conv that fuses a BatchNormalization as its input normalisation.
    /// </summary>
    internal static void Factors(ReadOnlySpan<float> scale, ReadOnlySpan<float> variance, float epsilon, Span<float> factor)
    {
        for (int i = 0; i < scale.Length; i++) factor[i] = (float)(scale[i] / Math.Sqrt((double)variance[i] + epsilon));
    }

    /// <summary>
    /// y = act((x − m)·a + b) over one channel's run, the activation in the same pass, specialised per
    /// kind (a switch per vector costs more than the affine map).
    /// </summary>
    internal static void Normalize(ReadOnlySpan<float> x, Span<float> y, float m, float a, float b, FusedActivation act)
    {
        switch (act.Kind)
        {
            case ActivationKind.None: Affine(x, y, m, 0, a, b); break;
            case ActivationKind.Relu: AffineAct<ChannelActivation.Relu>(x, y, m, a, b, act); break;
            case ActivationKind.Clip: AffineAct<ChannelActivation.Clip>(x, y, m, a, b, act); break;
            case ActivationKind.LeakyRelu: AffineAct<ChannelActivation.LeakyRelu>(x, y, m, a, b, act); break;
            case ActivationKind.HardSigmoid: AffineAct<ChannelActivation.HardSigmoid>(x, y, m, a, b, act); break;
            default:
                Affine(x, y, m, 0, a, b);
                fixed (float* py = y) ConvEpilogue.Apply(py, y.Length, 0f, act); // Sigmoid, Tanh
                break;
        }
    }

    private readonly record struct Job(Tensor X, Tensor Y, float[] Factor, Tensor Mean, Tensor Shift, int Channels, int Plane, bool Spatial, FusedActivation Act);

    /// <summary>y = act((x − m)·a + b) in one pass, <typeparamref name="TAct"/> being <paramref name="act"/>'s in-register form.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static void AffineAct<TAct>(ReadOnlySpan<float> x, Span<float> y, float m, float a, float b, FusedActivation act)
        where TAct : struct, IInRegisterActivation
    {
        ref float xr = ref MemoryMarshal.GetReference(x);
        ref float yr = ref MemoryMarshal.GetReference(y);
        int n = x.Length, i = 0;
        if (Vector256.IsHardwareAccelerated)
        {
            Vector256<float> vm = Vector256.Create(m), va = Vector256.Create(a), vb = Vector256.Create(b);
            Vector256<float> alpha = Vector256.Create(act.Alpha), beta = Vector256.Create(act.Beta);
            for (; i <= n - 8; i += 8)
            {
                var v = Vector256.FusedMultiplyAdd(Vector256.LoadUnsafe(ref xr, (nuint)i) - vm, va, vb);
                TAct.Apply<Lanes256, Vector256<float>>(v, alpha, beta).StoreUnsafe(ref yr, (nuint)i);
            }
        }
        for (; i < n; i++) Unsafe.Add(ref yr, i) = act.Apply(MathF.FusedMultiplyAdd(Unsafe.Add(ref xr, i) - m, a, b));
    }

    /// <summary>
    /// y = (x − m)·a + b, vectorised with fused multiply-add. The mean is given as the float pair
    /// m + mLow so that a mean computed in double (InstanceNormalization) keeps its low digits.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static void Affine(ReadOnlySpan<float> x, Span<float> y, float m, float mLow, float a, float b)
    {
        ref float xr = ref MemoryMarshal.GetReference(x);
        ref float yr = ref MemoryMarshal.GetReference(y);
        int n = x.Length, i = 0;
        if (Vector256.IsHardwareAccelerated)
        {
            var vm = Vector256.Create(m);
            var vl = Vector256.Create(mLow);
            var va = Vector256.Create(a);
            var vb = Vector256.Create(b);
            for (; i <= n - 16; i += 16)
            {
                var v0 = Vector256.FusedMultiplyAdd(Vector256.LoadUnsafe(ref xr, (nuint)i) - vm - vl, va, vb);
                var v1 = Vector256.FusedMultiplyAdd(Vector256.LoadUnsafe(ref xr, (nuint)(i + 8)) - vm - vl, va, vb);
                v0.StoreUnsafe(ref yr, (nuint)i);
                v1.StoreUnsafe(ref yr, (nuint)(i + 8));
            }
            for (; i <= n - 8; i += 8)
                Vector256.FusedMultiplyAdd(Vector256.LoadUnsafe(ref xr, (nuint)i) - vm - vl, va, vb).StoreUnsafe(ref yr, (nuint)i);
        }
        for (; i < n; i++) Unsafe.Add(ref yr, i) = MathF.FusedMultiplyAdd(Unsafe.Add(ref xr, i) - m - mLow, a, b);
    }
}
