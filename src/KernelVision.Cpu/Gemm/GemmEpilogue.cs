using System.Numerics.Tensors;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using KernelVision.Ops;

namespace KernelVision.Cpu.Gemm;

/// <summary>How a bias vector is added to C.</summary>
public enum GemmBias
{
    /// <summary>No bias.</summary>
    None,
    /// <summary>bias[i] is added to every element of row i (length M): conv with output channels as rows.</summary>
    PerRow,
    /// <summary>bias[j] is added to every element of column j (length N): Gemm's C of shape [N], channels-last conv.</summary>
    PerColumn,
}

/// <summary>
/// What Sgemm does to each output element after the product: C = act(alpha·A·B + beta·C + bias).
/// The bias pointer must stay valid (pinned) for the duration of the call.
/// </summary>
public readonly unsafe struct GemmEpilogue
{
    /// <summary>Creates an epilogue.</summary>
    /// <param name="bias">Bias vector (length M for <see cref="GemmBias.PerRow"/>, N for <see cref="GemmBias.PerColumn"/>), or null.</param>
    /// <param name="mode">How <paramref name="bias"/> broadcasts.</param>
    /// <param name="activation">Activation applied last.</param>
    public GemmEpilogue(float* bias, GemmBias mode, FusedActivation activation)
    {
        if ((bias == null) != (mode == GemmBias.None))
            throw new ArgumentException("a bias pointer needs a bias mode and vice versa");
        Bias = bias;
        BiasMode = mode;
        Activation = activation;
    }

    /// <summary>Only an activation.</summary>
    public GemmEpilogue(FusedActivation activation) : this(null, GemmBias.None, activation) { }

    /// <summary>
    /// A matrix of C's layout (same leading dimension) added to the product before the bias and
    /// activation, C = act(alpha·A·B + R + bias): a conv's fused residual. Needs beta = 0 (C is not
    /// read); must stay valid (pinned) for the duration of the call.
    /// </summary>
    public float* Residual { get; init; }

    /// <summary>The bias vector or null.</summary>
    public float* Bias { get; }

    /// <summary>How <see cref="Bias"/> broadcasts.</summary>
    public GemmBias BiasMode { get; }

    /// <summary>The activation.</summary>
    public FusedActivation Activation { get; }

    /// <summary>Nothing after the product.</summary>
    public static GemmEpilogue None => default;
}

/// <summary>
/// The epilogue of one microkernel call: the product of one K block is scaled by Alpha and added to
/// Beta·C (Beta is the caller's beta on the first K block and 1 on later ones; 0 means C is not
/// read, so stale NaNs in an output buffer do no harm); on the last K block the bias is added and
/// the activation applied while the tile is still in registers.
/// </summary>
internal unsafe struct TileEpilogue
{
    public float Alpha;
    public float Beta;
    public nint Source;      // floats from C to the matrix the Beta term reads: 0 (C), or the residual on the first K block
    public bool Last;
    public float* RowBias;   // bias of the tile's first row, or null
    public float* ColBias;   // bias of the tile's first column, or null
    public FusedActivation Activation;
    public ActivationKind VectorAct; // the part applied in registers (None for Sigmoid/Tanh)
    public bool PostAct;             // Sigmoid/Tanh: applied to the stored row with TensorPrimitives
    public float* Prefetch;          // what the wide A-in-place tile pulls into L2 as it goes (null: nothing new)

    public TileEpilogue(float alpha, FusedActivation activation)
    {
        Alpha = alpha;
        Beta = 0;
        Source = 0;
        Last = false;
        RowBias = null;
        ColBias = null;
        Activation = activation;
        PostAct = activation.Kind is ActivationKind.Sigmoid or ActivationKind.Tanh;
        VectorAct = PostAct ? ActivationKind.None : activation.Kind;
        Prefetch = null;
    }

    /// <summary>A plain store of the raw product (for edge tiles computed into a temporary).</summary>
    public static TileEpilogue Raw => new(1f, default);

    /// <summary>True when the tile is just stored (or added) as is.</summary>
    public readonly bool IsPlain
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        get =>
            Alpha == 1f && (Beta == 0f || Beta == 1f) && (!Last || (RowBias == null && ColBias == null && Activation.Kind == ActivationKind.None));
    }

    /// <summary>
    /// True for the common conv finish, which the microkernels run inline: C = act(tile + row bias)
    /// with no alpha, no accumulation, no column bias and act ∈ {none, ReLU, Clip}.
    /// </summary>
    public readonly bool IsRowBiasAct
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        get => Last && Alpha == 1f && Beta == 0f && RowBias != null && ColBias == null
            && VectorAct is ActivationKind.None or ActivationKind.Relu or ActivationKind.Clip && !PostAct;
    }

    public readonly float Apply(float acc, float* c, int row, int col)
    {
        float v = Alpha * acc;
        if (Beta != 0f) v += Beta * c[Source];
        if (Last)
        {
            if (RowBias != null) v += RowBias[row];
            if (ColBias != null) v += ColBias[col];
            v = Activation.Apply(v);
        }
        return v;
    }

    /// <summary>Applies Sigmoid/Tanh to a stored row.</summary>
    public readonly void Post(float* c, int n)
    {
        var s = new Span<float>(c, n);
        if (Activation.Kind == ActivationKind.Sigmoid) TensorPrimitives.Sigmoid(s, s);
        else TensorPrimitives.Tanh(s, s);
    }

    /// <summary>Scalar epilogue of an mr×nr tile held in <paramref name="acc"/> (row stride <paramref name="accStride"/>).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public readonly void StoreScalar(float* acc, nint accStride, float* c, nint ldc, int mr, int nr)
    {
        for (int i = 0; i < mr; i++)
        {
            float* crow = c + i * ldc;
            float* arow = acc + i * accStride;
            for (int j = 0; j < nr; j++) crow[j] = Apply(arow[j], crow + j, i, j);
        }
    }
}

/// <summary>The in-register activations of the epilogue, one overload per vector width (same formulas as <see cref="FusedActivation.Apply(float)"/>).</summary>
internal static class VectorActivation
{
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<float> Apply(Vector128<float> v, in TileEpilogue e)
    {
        switch (e.VectorAct)
        {
            case ActivationKind.Relu:
                return v & Vector128.GreaterThan(v, Vector128<float>.Zero);
            case ActivationKind.LeakyRelu:
                return Vector128.ConditionalSelect(Vector128.GreaterThanOrEqual(v, Vector128<float>.Zero), v, v * e.Activation.Alpha);
            case ActivationKind.Clip:
                return Vector128.Min(Vector128.Max(v, Vector128.Create(e.Activation.Alpha)), Vector128.Create(e.Activation.Beta));
            case ActivationKind.HardSigmoid:
                return Vector128.Max(Vector128<float>.Zero, Vector128.Min(Vector128<float>.One,
                    v * e.Activation.Alpha + Vector128.Create(e.Activation.Beta)));
            default:
                return v;
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> Apply(Vector256<float> v, in TileEpilogue e)
    {
        switch (e.VectorAct)
        {
            case ActivationKind.Relu:
                return v & Vector256.GreaterThan(v, Vector256<float>.Zero);
            case ActivationKind.LeakyRelu:
                return Vector256.ConditionalSelect(Vector256.GreaterThanOrEqual(v, Vector256<float>.Zero), v, v * e.Activation.Alpha);
            case ActivationKind.Clip:
                return Vector256.Min(Vector256.Max(v, Vector256.Create(e.Activation.Alpha)), Vector256.Create(e.Activation.Beta));
            case ActivationKind.HardSigmoid:
                return Vector256.Max(Vector256<float>.Zero, Vector256.Min(Vector256<float>.One,
                    v * e.Activation.Alpha + Vector256.Create(e.Activation.Beta)));
            default:
                return v;
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> Apply(Vector512<float> v, in TileEpilogue e)
    {
        switch (e.VectorAct)
        {
            case ActivationKind.Relu:
                return v & Vector512.GreaterThan(v, Vector512<float>.Zero);
            case ActivationKind.LeakyRelu:
                return Vector512.ConditionalSelect(Vector512.GreaterThanOrEqual(v, Vector512<float>.Zero), v, v * e.Activation.Alpha);
            case ActivationKind.Clip:
                return Vector512.Min(Vector512.Max(v, Vector512.Create(e.Activation.Alpha)), Vector512.Create(e.Activation.Beta));
            case ActivationKind.HardSigmoid:
                return Vector512.Max(Vector512<float>.Zero, Vector512.Min(Vector512<float>.One,
                    v * e.Activation.Alpha + Vector512.Create(e.Activation.Beta)));
            default:
                return v;
        }
    }
}
