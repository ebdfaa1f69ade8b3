using ILGPU;

namespace KernelVision.Gpu.Device;

/// <summary>
/// Convolution as implicit GEMM over one channel group (z): C[Mg, N·outPlane] = W_g[Mg, Cg·taps] · B,
/// where B is the im2col matrix read on the fly from X (never materialised) through the per-k table
/// <see cref="KTab"/>. Up to 3 spatial axes (1-D and 2-D use unit leading axes). Epilogue: bias,
/// activation, NCHW store. (Transposed convolution: <see cref="ConvPhaseProblem"/>.)
/// </summary>
public struct ConvProblem : IPackedGemmProblem
{
    /// <summary>
    /// Per-k table of the B loader, 4 ints per k = (c, tap):
    /// input offset c·ID·IH·IW + kd·DD·IH·IW + kh·DH·IW + kw·DW, then kd·DD, kh·DH, kw·DW: built once
    /// on the host so the B loader needs no division.
    /// </summary>
    public ArrayView<int> KTab;
    /// <summary>Input X [N, Cin, D, H, W].</summary>
    public ArrayView<float> X;
    /// <summary>Weights.</summary>
    public ArrayView<float> W;
    /// <summary>Bias [Cout] (ignored when <see cref="HasBias"/> is 0).</summary>
    public ArrayView<float> Bias;
    /// <summary>Output Y [N, Cout, OD, OH, OW].</summary>
    public ArrayView<float> Y;
    /// <summary>1 when a bias is given.</summary>
    public int HasBias;
    /// <summary>Channels: input total, input per group, output per group, output total.</summary>
    public int Cin, Cg, Mg, Cout;
    /// <summary>Input spatial extents.</summary>
    public int ID, IH, IW;
    /// <summary>Output spatial extents.</summary>
    public int OD, OH, OW;
    /// <summary>Kernel extents.</summary>
    public int KD, KH, KW;
    /// <summary>Strides.</summary>
    public int SD, SH, SW;
    /// <summary>Dilations.</summary>
    public int DD, DH, DW;
    /// <summary>Begin pads.</summary>
    public int PD, PH, PW;
    /// <summary>GEMM sizes: Mg, N·outPlane, Cg·taps.</summary>
    public int Mv, Nv, Kv;
    /// <summary>Fused activation.</summary>
    public int ActKind;
    /// <summary>Activation parameters.</summary>
    public float ActA, ActB;

    /// <inheritdoc/>
    public readonly int M => Mv;
    /// <inheritdoc/>
    public readonly int N => Nv;
    /// <inheritdoc/>
    public readonly int K => Kv;

    /// <inheritdoc/>
    public readonly float A(int z, int m, int k) => W[(z * Mg + m) * Kv + k];

    /// <inheritdoc/>
    public readonly float B(int z, int k, int n) => B(Column(z, n), k);

    /// <inheritdoc/>
    public readonly BColumn Column(int z, int n)
    {
        int ohw = OH * OW, plane = OD * ohw;
        int b = n / plane, o = n - b * plane;
        int od = o / ohw; o -= od * ohw;
        int oh = o / OW, ow = o - oh * OW;
        int d0 = od * SD - PD, h0 = oh * SH - PH, w0 = ow * SW - PW;
        return new BColumn { Base = ((b * Cin + z * Cg) * ID + d0) * IH * IW + h0 * IW + w0, D0 = d0, H0 = h0, W0 = w0 };
    }

    /// <inheritdoc/>
    public readonly float B(BColumn c, int k)
    {
        int t = k * 4;
        int id = c.D0 + KTab[t + 1], ih = c.H0 + KTab[t + 2], iw = c.W0 + KTab[t + 3];
        if ((uint)id >= (uint)ID || (uint)ih >= (uint)IH || (uint)iw >= (uint)IW) return 0f;
        return X[c.Base + KTab[t]];
    }

    /// <inheritdoc/>
    public readonly void Store(int z, int m, int n, float acc)
    {
        int plane = OD * OH * OW;
        int b = n / plane, o = n - b * plane;
        int co = z * Mg + m;
        float v = acc + (HasBias != 0 ? Bias[co] : 0f);
        Y[(b * Cout + co) * plane + o] = DeviceMath.Activate(ActKind, ActA, ActB, v);
    }
}

/// <summary>Gemm: Y = act(α·op(A)·op(B) + β·C), C broadcast through strides (0 on broadcast axes).</summary>
public struct DenseProblem : IPackedGemmProblem
{
    /// <summary>A.</summary>
    public ArrayView<float> AData;
    /// <summary>B.</summary>
    public ArrayView<float> BData;
    /// <summary>C (ignored when <see cref="HasC"/> is 0).</summary>
    public ArrayView<float> CData;
    /// <summary>Y [M, N].</summary>
    public ArrayView<float> Y;
    /// <summary>1 when A/B are transposed.</summary>
    public int TransA, TransB;
    /// <summary>1 when C contributes.</summary>
    public int HasC;
    /// <summary>C strides along m and n.</summary>
    public int CStrideM, CStrideN;
    /// <summary>Sizes.</summary>
    public int Mv, Nv, Kv;
    /// <summary>Scalars.</summary>
    public float Alpha, Beta;
    /// <summary>Fused activation.</summary>
    public int ActKind;
    /// <summary>Activation parameters.</summary>
    public float ActA, ActB;

    /// <inheritdoc/>
    public readonly int M => Mv;
    /// <inheritdoc/>
    public readonly int N => Nv;
    /// <inheritdoc/>
    public readonly int K => Kv;
    /// <inheritdoc/>
    public readonly float A(int z, int m, int k) => TransA != 0 ? AData[k * Mv + m] : AData[m * Kv + k];
    /// <inheritdoc/>
    public readonly float B(int z, int k, int n) => TransB != 0 ? BData[n * Kv + k] : BData[k * Nv + n];
    /// <inheritdoc/>
    public readonly BColumn Column(int z, int n) => new() { Base = TransB != 0 ? n * Kv : n, D0 = TransB != 0 ? 1 : Nv };
    /// <inheritdoc/>
    public readonly float B(BColumn c, int k) => BData[c.Base + k * c.D0];

    /// <inheritdoc/>
    public readonly void Store(int z, int m, int n, float acc)
    {
        float v = Alpha * acc;
        if (HasC != 0) v += Beta * CData[m * CStrideM + n * CStrideN];
        Y[m * Nv + n] = DeviceMath.Activate(ActKind, ActA, ActB, v);
    }
}

/// <summary>Batched MatMul: slice z multiplies A at AOffsets[z] by B at BOffsets[z] (numpy batch broadcasting resolved on the host).</summary>
public struct MatMulProblem : IPackedGemmProblem
{
    /// <summary>A.</summary>
    public ArrayView<float> AData;
    /// <summary>B.</summary>
    public ArrayView<float> BData;
    /// <summary>Y [batch, M, N].</summary>
    public ArrayView<float> Y;
    /// <summary>Start of each slice's A.</summary>
    public ArrayView<int> AOffsets;
    /// <summary>Start of each slice's B.</summary>
    public ArrayView<int> BOffsets;
    /// <summary>Sizes.</summary>
    public int Mv, Nv, Kv;

    /// <inheritdoc/>
    public readonly int M => Mv;
    /// <inheritdoc/>
    public readonly int N => Nv;
    /// <inheritdoc/>
    public readonly int K => Kv;
    /// <inheritdoc/>
    public readonly float A(int z, int m, int k) => AData[AOffsets[z] + m * Kv + k];
    /// <inheritdoc/>
    public readonly float B(int z, int k, int n) => BData[BOffsets[z] + k * Nv + n];
    /// <inheritdoc/>
    public readonly BColumn Column(int z, int n) => new() { Base = BOffsets[z] + n };
    /// <inheritdoc/>
    public readonly float B(BColumn c, int k) => BData[c.Base + k * Nv];
    /// <inheritdoc/>
    public readonly void Store(int z, int m, int n, float acc) => Y[(z * Mv + m) * Nv + n] = acc;
}

/// <summary>
/// One stride phase of a transposed convolution over one channel group (z), as a dense implicit GEMM
/// with no division in its loaders. The outputs o ≡ ρ (mod stride) on every axis form a grid
/// o = ρ + stride·q; for such an output, tap t contributes exactly when (ρ + pad − t·dil) is a multiple
/// of the stride, reading input cell q + (ρ + pad − t·dil)/stride. So each phase is a stride-1
/// convolution over q with only its own taps, whose input offsets come from a host-built table
/// (<see cref="KTab"/>), and whose weights are packed per phase (<see cref="ATab"/> selects them).
/// W is [Cin, Mg, taps]. Epilogue: bias, activation, NCHW store at o = ρ + stride·q.
/// </summary>
public struct ConvPhaseProblem : IPackedGemmProblem
{
    /// <summary>Input X [N, Cin, D, H, W].</summary>
    public ArrayView<float> X;
    /// <summary>Weights [Cin, Mg, KD, KH, KW].</summary>
    public ArrayView<float> W;
    /// <summary>Bias [Cout] (ignored when <see cref="HasBias"/> is 0).</summary>
    public ArrayView<float> Bias;
    /// <summary>Output Y [N, Cout, OD, OH, OW].</summary>
    public ArrayView<float> Y;
    /// <summary>Per-k B table, 4 ints: input offset c·plane + ed·IH·IW + eh·IW + ew, then ed, eh, ew.</summary>
    public ArrayView<int> KTab;
    /// <summary>Per-k weight offset c·Mg·taps + tap (A(m, k) = W[z·Cg·Mg·taps + ATab[k] + m·taps]).</summary>
    public ArrayView<int> ATab;
    /// <summary>1 when a bias is given.</summary>
    public int HasBias;
    /// <summary>Channels: input total, input per group, output per group, output total; taps of the full kernel.</summary>
    public int Cin, Cg, Mg, Cout, Taps;
    /// <summary>Input spatial extents.</summary>
    public int ID, IH, IW;
    /// <summary>Output spatial extents.</summary>
    public int OD, OH, OW;
    /// <summary>Phase grid extents (outputs of this phase per axis).</summary>
    public int QD, QH, QW;
    /// <summary>Phase origin ρ per axis.</summary>
    public int RD, RH, RW;
    /// <summary>Strides (the step between a phase's outputs).</summary>
    public int SD, SH, SW;
    /// <summary>GEMM sizes: Mg, N·phase grid, Cg·(taps of this phase).</summary>
    public int Mv, Nv, Kv;
    /// <summary>Fused activation.</summary>
    public int ActKind;
    /// <summary>Activation parameters.</summary>
    public float ActA, ActB;

    /// <inheritdoc/>
    public readonly int M => Mv;
    /// <inheritdoc/>
    public readonly int N => Nv;
    /// <inheritdoc/>
    public readonly int K => Kv;

    /// <inheritdoc/>
    public readonly float A(int z, int m, int k) => W[z * Cg * Mg * Taps + ATab[k] + m * Taps];

    /// <inheritdoc/>
    public readonly float B(int z, int k, int n) => B(Column(z, n), k);

    /// <inheritdoc/>
    public readonly BColumn Column(int z, int n)
    {
        int qhw = QH * QW, plane = QD * qhw;
        int b = n / plane, q = n - b * plane;
        int qd = q / qhw; q -= qd * qhw;
        int qh = q / QW, qw = q - qh * QW;
        return new BColumn { Base = ((b * Cin + z * Cg) * ID + qd) * IH * IW + qh * IW + qw, D0 = qd, H0 = qh, W0 = qw };
    }

    /// <inheritdoc/>
    public readonly float B(BColumn c, int k)
    {
        int t = k * 4;
        int id = c.D0 + KTab[t + 1], ih = c.H0 + KTab[t + 2], iw = c.W0 + KTab[t + 3];
        if ((uint)id >= (uint)ID || (uint)ih >= (uint)IH || (uint)iw >= (uint)IW) return 0f;
        return X[c.Base + KTab[t]];
    }

    /// <inheritdoc/>
    public readonly void Store(int z, int m, int n, float acc)
    {
        int qhw = QH * QW, plane = QD * qhw;
        int b = n / plane, q = n - b * plane;
        int qd = q / qhw; q -= qd * qhw;
        int qh = q / QW, qw = q - qh * QW;
        int o = ((RD + SD * qd) * OH + RH + SH * qh) * OW + RW + SW * qw;
        int co = z * Mg + m;
        float v = acc + (HasBias != 0 ? Bias[co] : 0f);
        Y[(b * Cout + co) * (OD * OH * OW) + o] = DeviceMath.Activate(ActKind, ActA, ActB, v);
    }
}
