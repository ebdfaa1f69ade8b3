using KernelVision.Ops.Layout;
using KernelVision.Tensors;

namespace KernelVision.Backends.Reference.Layout;

/// <summary>
/// ReduceMean: every input element is added (in double) to the output element whose index is its
/// own index with the reduced axes set to 0; each sum is then divided by the number of elements
/// reduced into it. Integer types truncate the mean toward zero.
/// </summary>
[BackendKernel("reference")]
public sealed class ReduceMeanReference(ReduceMean op) : Kernel<ReduceMean>(op)
{
    /// <inheritdoc/>
    public override void Run(IReadOnlyList<Tensor?> inputs, IReadOnlyList<Tensor?> outputs)
    {
        var x = inputs[0]!;
        var y = outputs[0]!;
        var reduced = Op.ResolveAxes(x.Rank, inputs.Count > 1 ? inputs[1] : null);
        // Output strides laid over the input's axes: a reduced axis contributes nothing.
        var keptShape = x.Shape.Select((d, i) => reduced[i] ? 1 : d).ToArray();
        var keptStrides = ShapeUtil.Strides(keptShape);
        int count = 1;
        for (int d = 0; d < x.Rank; d++)
        {
            if (reduced[d]) { keptStrides[d] = 0; count *= x.Shape[d]; }
        }

        var sums = new double[y.Length];
        var index = new int[x.Rank];
        for (int i = 0; i < x.Length; i++)
        {
            ElementCopy.Unravel(i, x.Shape, index);
            int o = 0;
            for (int d = 0; d < index.Length; d++) o += index[d] * keptStrides[d];
            sums[o] += x.GetDouble(i);
        }

        for (int o = 0; o < y.Length; o++)
        {
            double mean = sums[o] / count; // 0/0 = NaN for an empty reduction, as numpy gives
            switch (y.Raw.Storage)
            {
                case float[]: y.Floats[o] = (float)mean; break;
                case double[]: y.Doubles[o] = mean; break;
                case long[]: y.Int64s[o] = double.IsNaN(mean) ? 0 : DataTypes.Wrap((long)mean, y.Type); break;
                default: throw new UnsupportedException($"{Op.Node.DisplayName}: ReduceMean of {x.Describe()} is not supported");
            }
        }
    }
}
