using KernelVision.Ops.Elementwise;
using KernelVision.Tensors;

namespace KernelVision.Backends.Reference.Elementwise;

/// <summary>
/// Softmax / LogSoftmax over each line the op's layout defines, subtracting the line's maximum
/// first so exp never overflows.
/// </summary>
[BackendKernel("reference")]
public sealed class SoftmaxReference(Softmax op) : Kernel<Softmax>(op)
{
    /// <inheritdoc/>
    public override void Run(IReadOnlyList<Tensor?> inputs, IReadOnlyList<Tensor?> outputs)
    {
        var x = inputs[0]!;
        var y = outputs[0]!;
        var (outer, length, inner) = Op.Layout(x.Shape);
        for (int o = 0; o < outer; o++)
            for (int j = 0; j < inner; j++)
            {
                int start = o * length * inner + j;

                double max = double.NegativeInfinity;
                for (int k = 0; k < length; k++) max = Math.Max(max, x.GetDouble(start + k * inner));

                double sum = 0;
                for (int k = 0; k < length; k++) sum += Math.Exp(x.GetDouble(start + k * inner) - max);

                double logSum = Math.Log(sum);
                for (int k = 0; k < length; k++)
                {
                    int i = start + k * inner;
                    double shifted = x.GetDouble(i) - max;
                    ElementAccess.SetDouble(y, i, Op.IsLog ? shifted - logSum : Math.Exp(shifted) / sum);
                }
            }
    }
}
