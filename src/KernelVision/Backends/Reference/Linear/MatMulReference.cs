using KernelVision.Backends.Reference.Elementwise;
using KernelVision.Ops.Linear;
using KernelVision.Tensors;

namespace KernelVision.Backends.Reference.Linear;

/// <summary>MatMul: one textbook [M,K]·[K,N] product per broadcast batch; floats in double, integers wrap.</summary>
[BackendKernel("reference")]
public sealed class MatMulReference(MatMul op) : Kernel<MatMul>(op)
{
    /// <inheritdoc/>
    public override void Run(IReadOnlyList<Tensor?> inputs, IReadOnlyList<Tensor?> outputs)
    {
        var a = inputs[0]!;
        var b = inputs[1]!;
        var y = outputs[0]!;
        var g = Op.Geometry(a.Shape, b.Shape);
        int m = g.M, k = g.K, n = g.N;
        // Which of A's (B's) matrices each output batch uses, after broadcasting the batch dims.
        int[] aBatchAt = ElementAccess.BroadcastSource(g.ABatchShape, g.BatchShape);
        int[] bBatchAt = ElementAccess.BroadcastSource(g.BBatchShape, g.BatchShape);
        bool integer = y.Type.IsInteger();

        for (int t = 0; t < g.BatchCount; t++)
        {
            int aBase = aBatchAt[t] * m * k, bBase = bBatchAt[t] * k * n, yBase = t * m * n;
            for (int i = 0; i < m; i++)
                for (int j = 0; j < n; j++)
                {
                    int yi = yBase + i * n + j;
                    if (integer)
                    {
                        long acc = 0;
                        var ai = a.Int64s;
                        var bi = b.Int64s;
                        for (int p = 0; p < k; p++) acc = unchecked(acc + ai[aBase + i * k + p] * bi[bBase + p * n + j]);
                        y.Int64s[yi] = DataTypes.Wrap(acc, y.Type);
                    }
                    else
                    {
                        double acc = 0;
                        for (int p = 0; p < k; p++) acc += a.GetDouble(aBase + i * k + p) * b.GetDouble(bBase + p * n + j);
                        ElementAccess.SetDouble(y, yi, acc);
                    }
                }
        }
    }
}
