using KernelVision.Backends;
using KernelVision.Cpu.Gemm;
using KernelVision.Cpu.Threading;
using KernelVision.Ops.Linear;
using KernelVision.Tensors;

namespace KernelVision.Cpu.Kernels.Linear;

/// <summary>
/// Float32 MatMul on <see cref="Sgemm"/>. When every batch of A shares one B (the weight case),
/// the batches fold into the rows of a single GEMM, and a constant B is packed once. Otherwise each
/// broadcast batch is its own GEMM: many small batches run in parallel, one per thread; large ones
/// one after another, each using all threads. Integer MatMul runs the Reference kernel.
/// </summary>
[BackendKernel("cpu")]
public sealed unsafe class MatMulCpu(MatMul op) : CpuKernel<MatMul>(op), IConstantInputsAware, IParallelWork
{
    private readonly WeightCache<PackedMatrix> _packedB = new();
    private int[] _aBatchAt = [], _bBatchAt = [];
    private int[] _batchShapeKey = [], _aBatchKey = [], _bBatchKey = [];

    // The in-flight batched product (valid only inside Run).
    private float* _a, _b, _y;
    private int _m, _n, _k;

    /// <summary>Packs a constant float32 B into the microkernel's panels, once per plan.</summary>
    public void PrepareConstants(IReadOnlyList<Tensor?> constantInputs)
    {
        // Only a B without batch dims (or with all-1 batch dims) is shared by every batch.
        var b = constantInputs.Count > 1 && constantInputs[1] is { Type: DataType.Float32, Rank: >= 2 } t
            && t.Shape[..^2].All(d => d == 1) ? t : null;
        _packedB.Prepare(b, 0, PackB);
    }

    private static PackedMatrix PackB(Tensor t) => Sgemm.PackB(t.Floats, t.Shape[^2], t.Shape[^1], Math.Max(1, t.Shape[^1]));

    /// <inheritdoc/>
    protected override void Compute(IReadOnlyList<Tensor?> inputs, IReadOnlyList<Tensor?> outputs)
    {
        var a = inputs[0]!;
        var b = inputs[1]!;
        var y = outputs[0]!;
        var g = Op.Geometry(a.Shape, b.Shape);
        int m = g.M, k = g.K, n = g.N, batches = g.BatchCount;
        if (y.Length == 0) return;
        int aBatches = ShapeUtil.Size(g.ABatchShape), bBatches = ShapeUtil.Size(g.BBatchShape);
        fixed (float* pa = a.Floats, pb = b.Floats, py = y.Floats)
        {
            if (bBatches == 1 && aBatches == batches)
            {
                // [batches·M, K] · [K, N]: one GEMM over all rows.
                var packed = _packedB.TryGet(b, 0, PackB);
                var opB = packed is not null ? GemmOperand.FromPacked(packed) : GemmOperand.MatrixB(pb, Math.Max(1, n));
                Sgemm.Multiply(batches * m, n, k, 1f, GemmOperand.MatrixA(pa, Math.Max(1, k)), opB, 0f, py, n, default, Pool);
                return;
            }
            MapBatches(g);
            _a = pa;
            _b = pb;
            _y = py;
            (_m, _n, _k) = (m, n, k);
            try
            {
                double flopsPerBatch = 2.0 * m * n * k;
                if (Pool.ThreadCount > 1 && batches >= Pool.ThreadCount && flopsPerBatch < 4.0 * Sgemm.ParallelThresholdFlops)
                    Pool.ParallelFor(batches, this);
                else
                    for (int t = 0; t < batches; t++) Product(t, Pool);
            }
            finally
            {
                _a = _b = _y = null;
            }
        }
    }

    void IParallelWork.Execute(int index) => Product(index, null);

    private void Product(int t, CpuThreadPool? pool) =>
        Sgemm.Multiply(_m, _n, _k, 1f,
            GemmOperand.MatrixA(_a + (long)_aBatchAt[t] * _m * _k, Math.Max(1, _k)),
            GemmOperand.MatrixB(_b + (long)_bBatchAt[t] * _k * _n, Math.Max(1, _n)),
            0f, _y + (long)t * _m * _n, Math.Max(1, _n), default, pool);

    /// <summary>Which A and B matrix each output batch reads (numpy broadcasting of the batch dims); cached per shape.</summary>
    private void MapBatches(MatMulGeometry g)
    {
        if (g.BatchShape.AsSpan().SequenceEqual(_batchShapeKey) && g.ABatchShape.AsSpan().SequenceEqual(_aBatchKey)
            && g.BBatchShape.AsSpan().SequenceEqual(_bBatchKey))
            return;
        _aBatchAt = SourceIndices(g.ABatchShape, g.BatchShape);
        _bBatchAt = SourceIndices(g.BBatchShape, g.BatchShape);
        (_batchShapeKey, _aBatchKey, _bBatchKey) = (g.BatchShape, g.ABatchShape, g.BBatchShape);
    }

    private static int[] SourceIndices(int[] from, int[] to)
    {
        int rank = to.Length, count = ShapeUtil.Size(to);
        var strides = new int[rank];
        for (int d = rank - 1, s = 1, f = from.Length - 1; d >= 0; d--, f--)
        {
            int dim = f >= 0 ? from[f] : 1;
            strides[d] = dim == 1 ? 0 : s;
            s *= dim;
        }
        var result = new int[count];
        var coord = new int[rank];
        for (int i = 0; i < count; i++)
        {
            int src = 0;
            for (int d = 0; d < rank; d++) src += coord[d] * strides[d];
            result[i] = src;
            for (int d = rank - 1; d >= 0 && ++coord[d] == to[d]; d--) coord[d] = 0;
        }
        return result;
    }
}
