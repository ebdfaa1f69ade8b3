using KernelVision.Ops.Elementwise;
using KernelVision.Tensors;

namespace KernelVision.Backends.Reference.Elementwise;

/// <summary>Sum of all inputs, broadcast, accumulated in double.</summary>
[BackendKernel("reference")]
public sealed class SumReference(Sum op) : Kernel<Sum>(op)
{
    /// <inheritdoc/>
    public override void Run(IReadOnlyList<Tensor?> inputs, IReadOnlyList<Tensor?> outputs)
    {
        var y = outputs[0]!;
        var acc = new double[y.Length];
        foreach (var t in inputs)
        {
            var x = t!;
            int[] at = ElementAccess.BroadcastSource(x.Shape, y.Shape);
            for (int i = 0; i < acc.Length; i++) acc[i] += x.GetDouble(at[i]);
        }
        for (int i = 0; i < acc.Length; i++) ElementAccess.SetDouble(y, i, acc[i]);
    }
}
