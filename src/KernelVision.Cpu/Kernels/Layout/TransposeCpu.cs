using KernelVision.Backends;
using KernelVision.Cpu.Threading;
using KernelVision.Ops.Layout;
using KernelVision.Tensors;

namespace KernelVision.Cpu.Kernels.Layout;

/// <summary>
/// Transpose, any element type. The permutation is first simplified: size-1 axes dropped and input
/// axes that stay neighbours in the output merged (NCHW→NHWC becomes [N, C, HW]→[N, HW, C]). If the
/// innermost axis then stays innermost, the output is runs of contiguous input (block copies);
/// otherwise each batch is a 2-D transpose done in cache-sized tiles, so both the strided reads and
/// the contiguous writes reuse every cache line they touch.
/// </summary>
[BackendKernel("cpu")]
public sealed class TransposeCpu(Transpose op) : CopyKernel<Transpose>(op)
{
    private const int Tile = 16;
    private Plan? _plan;

    /// <inheritdoc/>
    protected override void Compute(IReadOnlyList<Tensor?> inputs, IReadOnlyList<Tensor?> outputs)
    {
        var x = inputs[0]!;
        var y = outputs[0]!;
        if (x.Length == 0) return;
        var plan = _plan is { } p && ShapeUtil.Same(p.InputShape, x.Shape) ? p : _plan = new Plan(x.Shape, Op.ResolvePerm(x.Rank));
        if (plan.IsCopy)
        {
            DataCopy.Copy(Pool, x, y);
            return;
        }
        DataCopy.Dispatch(x, y, new Move(plan, Pool));
    }

    /// <summary>The simplified permutation and how the loops walk it.</summary>
    private sealed class Plan
    {
        public readonly int[] InputShape;
        public readonly bool IsCopy;
        /// <summary>Runs mode: true when the innermost input axis stays innermost (length <see cref="Run"/>).</summary>
        public readonly bool Runs;
        public readonly int Run;
        /// <summary>Odometer axes (outermost first) with their extents and input/output strides.</summary>
        public readonly int[] Dims, InStrides, OutStrides;
        /// <summary>Tile mode: extents of the input's last axis (M, contiguous in x) and the output's last axis (N, contiguous in y).</summary>
        public readonly int M, N, InStrideN, OutStrideM;
        public readonly int Batches;

        public Plan(int[] shape, int[] perm)
        {
            InputShape = (int[])shape.Clone();
            // Drop size-1 axes, renumbering the rest.
            var keep = Enumerable.Range(0, shape.Length).Where(a => shape[a] != 1).ToArray();
            var newIndex = new int[shape.Length];
            for (int i = 0; i < keep.Length; i++) newIndex[keep[i]] = i;
            var dims = keep.Select(a => shape[a]).ToList();
            var p = perm.Where(a => shape[a] != 1).Select(a => newIndex[a]).ToList();
            // Merge input axes a, a+1 that are adjacent in the output.
            for (int j = 0; j + 1 < p.Count;)
            {
                if (p[j + 1] == p[j] + 1)
                {
                    int a = p[j];
                    dims[a] *= dims[a + 1];
                    dims.RemoveAt(a + 1);
                    p.RemoveAt(j + 1);
                    for (int k = 0; k < p.Count; k++) if (p[k] > a) p[k]--;
                }
                else j++;
            }
            int r = dims.Count;
            IsCopy = r <= 1;
            if (IsCopy) { Dims = InStrides = OutStrides = []; return; }
            var inStrides = ShapeUtil.Strides(dims.ToArray());
            var outShape = p.Select(a => dims[a]).ToArray();
            var outStrides = ShapeUtil.Strides(outShape);
            if (p[r - 1] == r - 1)
            {
                Runs = true;
                Run = dims[r - 1];
                Dims = outShape[..(r - 1)];
                InStrides = p.Take(r - 1).Select(a => inStrides[a]).ToArray();
                OutStrides = outStrides[..(r - 1)];
                Batches = ShapeUtil.Size(Dims);
                return;
            }
            int q = p.IndexOf(r - 1);           // output position of the input's last axis
            M = dims[r - 1];
            N = outShape[r - 1];
            InStrideN = inStrides[p[r - 1]];
            OutStrideM = outStrides[q];
            var batch = Enumerable.Range(0, r - 1).Where(j => j != q).ToArray();
            Dims = batch.Select(j => outShape[j]).ToArray();
            InStrides = batch.Select(j => inStrides[p[j]]).ToArray();
            OutStrides = batch.Select(j => outStrides[j]).ToArray();
            Batches = ShapeUtil.Size(Dims);
        }

        /// <summary>Input and output offsets of batch/run number <paramref name="b"/>.</summary>
        public (int In, int Out) Offsets(int b)
        {
            int i = 0, o = 0;
            for (int d = Dims.Length - 1; d >= 0; d--)
            {
                int c = b % Dims[d];
                b /= Dims[d];
                i += c * InStrides[d];
                o += c * OutStrides[d];
            }
            return (i, o);
        }
    }

    private readonly struct Move(Plan plan, CpuThreadPool pool) : IMove
    {
        public void Run<T>(T[] x, int xo, T[] y, int yo)
        {
            var job = (Plan: plan, X: x, Xo: xo, Y: y, Yo: yo);
            if (plan.Runs)
            {
                ParallelRange.For(pool, plan.Batches, Math.Max(1, DataCopy.MinChunk / plan.Run), job, static (j, b0, b1) =>
                {
                    for (int b = b0; b < b1; b++)
                    {
                        var (i, o) = j.Plan.Offsets(b);
                        Array.Copy(j.X, j.Xo + i, j.Y, j.Yo + o, j.Plan.Run);
                    }
                });
                return;
            }
            // Items: (batch, band of Tile input-contiguous indices m).
            int bands = (plan.M + Tile - 1) / Tile;
            ParallelRange.For(pool, plan.Batches * bands, Math.Max(1, DataCopy.MinChunk / (Tile * plan.N)), job, static (j, i0, i1) =>
            {
                var p = j.Plan;
                int bands = (p.M + Tile - 1) / Tile;
                for (int item = i0; item < i1; item++)
                {
                    var (bi, bo) = p.Offsets(item / bands);
                    int m0 = item % bands * Tile, m1 = Math.Min(p.M, m0 + Tile);
                    for (int n0 = 0; n0 < p.N; n0 += Tile)
                    {
                        int n1 = Math.Min(p.N, n0 + Tile);
                        for (int m = m0; m < m1; m++)
                        {
                            int src = j.Xo + bi + m, dst = j.Yo + bo + m * p.OutStrideM;
                            for (int n = n0; n < n1; n++) j.Y[dst + n] = j.X[src + n * p.InStrideN];
                        }
                    }
                }
            });
        }
    }
}
