using KernelVision.Backends;
using KernelVision.Cpu.Gemm;
using KernelVision.Ops.Linear;
using KernelVision.Tensors;
using TensorPrimitives = System.Numerics.Tensors.TensorPrimitives;

namespace KernelVision.Cpu.Kernels.Linear;

/// <summary>
/// Gemm on <see cref="Sgemm"/>: C of shape [N] / [1,N] / scalar becomes a per-column bias, [M,1] a
/// per-row bias (both scaled by beta once), a full [M,N] C is copied into Y and accumulated with
/// beta; the fused activation runs in the GEMM epilogue. A constant B (the usual weight) or A is
/// packed once when the plan announces it. Non-float32 Gemm runs the Reference kernel.
/// </summary>
[BackendKernel("cpu")]
public sealed class GemmCpu(Ops.Linear.Gemm op) : CpuKernel<Ops.Linear.Gemm>(op), IConstantInputsAware
{
    private readonly WeightCache<PackedMatrix> _packedA = new(), _packedB = new();
    private float[] _bias = [];

    /// <summary>Packs a constant float32 B (the usual weight) or A into the microkernel's panels, once per plan.</summary>
    public void PrepareConstants(IReadOnlyList<Tensor?> constantInputs)
    {
        _packedB.Prepare(Float32Matrix(constantInputs, 1), 0, Op, PackB);
        _packedA.Prepare(Float32Matrix(constantInputs, 0), 0, Op, PackA);
    }

    private static Tensor? Float32Matrix(IReadOnlyList<Tensor?> inputs, int i) =>
        i < inputs.Count && inputs[i] is { Type: DataType.Float32, Rank: 2 } t ? t : null;

    private static PackedMatrix PackA(Ops.Linear.Gemm op, Tensor t)
    {
        int m = op.TransA ? t.Shape[1] : t.Shape[0], k = op.TransA ? t.Shape[0] : t.Shape[1];
        return Sgemm.PackA(t.Floats, m, k, Math.Max(1, t.Shape[1]), op.TransA);
    }

    private static PackedMatrix PackB(Ops.Linear.Gemm op, Tensor t)
    {
        int k = op.TransB ? t.Shape[1] : t.Shape[0], n = op.TransB ? t.Shape[0] : t.Shape[1];
        return Sgemm.PackB(t.Floats, k, n, Math.Max(1, t.Shape[1]), op.TransB);
    }

    /// <inheritdoc/>
    protected override unsafe void Compute(IReadOnlyList<Tensor?> inputs, IReadOnlyList<Tensor?> outputs)
    {
        var a = inputs[0]!;
        var b = inputs[1]!;
        var c = inputs.Count > 2 ? inputs[2] : null;
        var y = outputs[0]!;
        var (m, k, n) = Op.Dims(a.Shape, b.Shape);
        float beta = 0;
        var mode = GemmBias.None;
        ReadOnlySpan<float> bias = default;
        if (c is not null && Op.Beta != 0 && m > 0 && n > 0)
        {
            int cm = c.Rank == 2 ? c.Shape[0] : 1, cn = c.Rank >= 1 ? c.Shape[^1] : 1;
            if (c.Length == 1)
            {
                mode = GemmBias.PerColumn;
                bias = Filled(n, Op.Beta * c.Floats[0]);
            }
            else if (cm == 1 && cn == n)
            {
                mode = GemmBias.PerColumn;
                bias = Scaled(c.Floats, Op.Beta);
            }
            else if (cm == m && cn == 1)
            {
                mode = GemmBias.PerRow;
                bias = Scaled(c.Floats, Op.Beta);
            }
            else
            {
                c.Floats.CopyTo(y.Floats);
                beta = Op.Beta;
            }
        }
        var packedA = _packedA.TryGet(a, 0, Op, PackA);
        var packedB = _packedB.TryGet(b, 0, Op, PackB);
        int lda = Math.Max(1, a.Shape[1]), ldb = Math.Max(1, b.Shape[1]);
        fixed (float* pa = a.Floats, pb = b.Floats, py = y.Floats, pbias = bias)
        {
            var opA = packedA is not null ? GemmOperand.FromPacked(packedA) : GemmOperand.MatrixA(pa, lda, Op.TransA);
            var opB = packedB is not null ? GemmOperand.FromPacked(packedB) : GemmOperand.MatrixB(pb, ldb, Op.TransB);
            var epilogue = new GemmEpilogue(mode == GemmBias.None ? null : pbias, mode, Op.Activation);
            Sgemm.Multiply(m, n, k, Op.Alpha, opA, opB, beta, py, Math.Max(1, n), epilogue, Pool);
        }
    }

    private ReadOnlySpan<float> Scaled(ReadOnlySpan<float> c, float beta)
    {
        if (beta == 1f) return c;
        var buf = Buffer(c.Length);
        TensorPrimitives.Multiply(c, beta, buf);
        return buf;
    }

    private ReadOnlySpan<float> Filled(int n, float value)
    {
        var buf = Buffer(n);
        buf.Fill(value);
        return buf;
    }

    private Span<float> Buffer(int n)
    {
        if (_bias.Length < n) _bias = new float[n];
        return _bias.AsSpan(0, n);
    }
}
