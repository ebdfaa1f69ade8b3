using KernelVision.Backends;
using KernelVision.Gpu.Device;
using KernelVision.Gpu.Runtime;
using KernelVision.Ops.Layout;
using KernelVision.Tensors;

namespace KernelVision.Gpu.Kernels.Layout;

/// <summary>Pad (constant, reflect, edge, wrap; negative pads crop).</summary>
[BackendKernel("gpu")]
public sealed class PadGpu(Pad op) : GpuKernel<Pad>(op)
{
    /// <inheritdoc/>
    protected override void Execute(IReadOnlyList<Tensor?> inputs, IReadOnlyList<Tensor?> outputs)
    {
        var x = inputs[0]!;
        var y = outputs[0]!;
        if (x.Type != DataType.Float32 || x.Rank > Shapes.MaxRank) { RunOnHost(inputs, outputs); return; }
        Tensor? At(int i) => i < inputs.Count ? inputs[i] : null;
        var (begin, end) = Op.Resolve(x.Shape, At(1), At(3));
        int rank = x.Rank;
        var strides = ShapeUtil.Strides(x.Shape);
        var counts = new int[rank];
        var pads = new int[Shapes.MaxRank];
        int baseS = 0;
        for (int d = 0; d < rank; d++)
        {
            int first = (int)Math.Max(0, -begin[d]);
            counts[d] = (int)(x.Shape[d] - first - Math.Max(0, -end[d]));
            baseS += first * strides[d];
            pads[Shapes.MaxRank - rank + d] = (int)Math.Max(0, begin[d]);
        }
        float value = Op.ValueAttribute;
        if (At(2) is { Length: > 0 } constant)
        {
            Device.Memory.EnsureHost(constant, Op.Node.Inputs[2]);
            value = constant.Floats[0];
        }
        if (y.Length > 0)
        {
            var dims = Shapes.Box(y.Shape, strides, counts, baseS);
            // Padding-only leading dims: extent 1, count 1.
            var args = new PadArgs
            {
                X = In(inputs, 0), Y = Out(outputs, 0), Dims = FillCounts(dims, rank),
                P0 = pads[0], P1 = pads[1], P2 = pads[2], P3 = pads[3], P4 = pads[4], P5 = pads[5],
                Mode = (int)Op.Mode, Value = value,
            };
            Launch.Elements(Device, ElementwiseKernels.Pad, y.Length, args);
        }
        Done(outputs);
    }

    private static Dims6 FillCounts(Dims6 d, int rank)
    {
        int lead = Shapes.MaxRank - rank;
        if (lead > 0) d.T0 = 1;
        if (lead > 1) d.T1 = 1;
        if (lead > 2) d.T2 = 1;
        if (lead > 3) d.T3 = 1;
        if (lead > 4) d.T4 = 1;
        return d;
    }
}
