using System.Numerics.Tensors;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using KernelVision.Ops;

namespace KernelVision.Cpu.Conv;

/// <summary>
/// Bias add and fused activation over a contiguous run of outputs, for the conv paths whose last
/// step is not a GEMM epilogue (depthwise, col2im). Same formulas as <see cref="FusedActivation.Apply(float)"/>.
/// </summary>
public static unsafe class ConvEpilogue
{
    /// <summary>p[i] = act(p[i] + bias) for i in [0, <paramref name="n"/>).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Apply(float* p, int n, float bias, FusedActivation act)
    {
        if (act.Kind is ActivationKind.Sigmoid or ActivationKind.Tanh)
        {
            var s = new Span<float>(p, n);
            if (bias != 0f) TensorPrimitives.Add(s, bias, s);
            if (act.Kind == ActivationKind.Sigmoid) TensorPrimitives.Sigmoid(s, s);
            else TensorPrimitives.Tanh(s, s);
            return;
        }
        if (bias == 0f && act.Kind == ActivationKind.None) return;
        // One loop per activation kind: a switch inside the loop, per vector, cost more than the add.
        switch (act.Kind)
        {
            case ActivationKind.Relu: Apply<ChannelActivation.Relu>(p, n, bias, act); break;
            case ActivationKind.LeakyRelu: Apply<ChannelActivation.LeakyRelu>(p, n, bias, act); break;
            case ActivationKind.Clip: Apply<ChannelActivation.Clip>(p, n, bias, act); break;
            case ActivationKind.HardSigmoid: Apply<ChannelActivation.HardSigmoid>(p, n, bias, act); break;
            default: Apply<ChannelActivation.Linear>(p, n, bias, act); break;
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Apply<TAct>(float* p, int n, float bias, FusedActivation act) where TAct : struct, IInRegisterActivation
    {
        int i = 0;
        if (Vector256.IsHardwareAccelerated)
        {
            Vector256<float> b = Vector256.Create(bias), alpha = Vector256.Create(act.Alpha), beta = Vector256.Create(act.Beta);
            for (; i <= n - 8; i += 8)
                Vector256.Store(TAct.Apply<Lanes256, Vector256<float>>(Vector256.Load(p + i) + b, alpha, beta), p + i);
        }
        for (; i < n; i++) p[i] = act.Apply(p[i] + bias);
    }

    /// <summary>
    /// p[i] = act(p[i] + z[i]) for i in [0, <paramref name="n"/>): a fused residual Add (and the
    /// activation after it) on a run of outputs the path has just written, while it is still in cache.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void AddResidual(float* p, float* z, int n, FusedActivation act)
    {
        if (act.Kind is ActivationKind.Sigmoid or ActivationKind.Tanh)
        {
            var s = new Span<float>(p, n);
            TensorPrimitives.Add(s, new ReadOnlySpan<float>(z, n), s);
            Apply(p, n, 0f, act);
            return;
        }
        switch (act.Kind)
        {
            case ActivationKind.Relu: AddResidual<ChannelActivation.Relu>(p, z, n, act); break;
            case ActivationKind.LeakyRelu: AddResidual<ChannelActivation.LeakyRelu>(p, z, n, act); break;
            case ActivationKind.Clip: AddResidual<ChannelActivation.Clip>(p, z, n, act); break;
            case ActivationKind.HardSigmoid: AddResidual<ChannelActivation.HardSigmoid>(p, z, n, act); break;
            default: AddResidual<ChannelActivation.Linear>(p, z, n, act); break;
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void AddResidual<TAct>(float* p, float* z, int n, FusedActivation act) where TAct : struct, IInRegisterActivation
    {
        int i = 0;
        if (Vector256.IsHardwareAccelerated)
        {
            Vector256<float> alpha = Vector256.Create(act.Alpha), beta = Vector256.Create(act.Beta);
            for (; i <= n - 8; i += 8)
                Vector256.Store(TAct.Apply<Lanes256, Vector256<float>>(Vector256.Load(p + i) + Vector256.Load(z + i), alpha, beta), p + i);
        }
        for (; i < n; i++) p[i] = act.Apply(p[i] + z[i]);
    }

    /// <summary>The in-register part of the activation (everything but Sigmoid and Tanh, which callers apply on the stored row).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static Vector256<float> Activate(Vector256<float> v, in FusedActivation act) => ChannelActivation.Activate<Lanes256, Vector256<float>>(v, act);

    /// <summary>True when <see cref="Activate"/> does the whole activation (not Sigmoid/Tanh).</summary>
    internal static bool InRegister(in FusedActivation act) => act.Kind is not (ActivationKind.Sigmoid or ActivationKind.Tanh);
}
