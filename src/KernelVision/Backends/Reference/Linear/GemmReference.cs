using KernelVision.Backends.Reference.Elementwise;
using KernelVision.Ops.Linear;
using KernelVision.Tensors;

namespace KernelVision.Backends.Reference.Linear;

/// <summary>Gemm as the textbook triple loop, accumulated in double, then bias and activation.</summary>
[BackendKernel("reference")]
public sealed class GemmReference(Gemm op) : Kernel<Gemm>(op)
{
    /// <inheritdoc/>
    public override void Run(IReadOnlyList<Tensor?> inputs, IReadOnlyList<Tensor?> outputs)
    {
        var a = inputs[0]!;
        var b = inputs[1]!;
        var c = inputs.Count > 2 ? inputs[2] : null;
        var y = outputs[0]!;
        var (m, k, n) = Op.Dims(a.Shape, b.Shape);
        // Like other runtimes, beta = 0 ignores C entirely (so inf/NaN in C do not leak in).
        int[]? cAt = c is not null && Op.Beta != 0 ? ElementAccess.BroadcastSource(c.Shape, [m, n]) : null;

        for (int i = 0; i < m; i++)
            for (int j = 0; j < n; j++)
            {
                double acc = 0;
                for (int p = 0; p < k; p++)
                {
                    double av = Op.TransA ? a.GetDouble(p * m + i) : a.GetDouble(i * k + p);
                    double bv = Op.TransB ? b.GetDouble(j * k + p) : b.GetDouble(p * n + j);
                    acc += av * bv;
                }
                double v = Op.Alpha * acc;
                if (cAt is not null) v += Op.Beta * c!.GetDouble(cAt[i * n + j]);
                ElementAccess.SetDouble(y, i * n + j, Op.Activation.Apply(v));
            }
    }
}
