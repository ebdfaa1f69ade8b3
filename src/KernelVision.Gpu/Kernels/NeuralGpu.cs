using ILGPU;
using KernelVision.Backends;
using KernelVision.Gpu.Device;
using KernelVision.Gpu.Runtime;
using KernelVision.Ops.Elementwise;
using KernelVision.Ops.Neural;
using KernelVision.Tensors;

namespace KernelVision.Gpu.Kernels;

/// <summary>Shared launch of the pooling kernel.</summary>
internal static class PoolSetup
{
    public static PoolArgs Args(WindowGeometry g, ArrayView<float> x, ArrayView<float> y, bool isMax, bool countIncludePad)
    {
        var i = Shapes.To3(g.InputSpatial, 1);
        var o = Shapes.To3(g.OutputSpatial, 1);
        var k = Shapes.To3(g.Kernel, 1);
        var s = Shapes.To3(g.Strides, 1);
        var d = Shapes.To3(g.Dilations, 1);
        var pb = Shapes.To3(g.PadsBegin, 0);
        var pe = Shapes.To3(g.PadsEnd, 0);
        return new PoolArgs
        {
            X = x, Y = y, ID = i[0], IH = i[1], IW = i[2], OD = o[0], OH = o[1], OW = o[2],
            KD = k[0], KH = k[1], KW = k[2], SD = s[0], SH = s[1], SW = s[2], DD = d[0], DH = d[1], DW = d[2],
            PD = pb[0], PH = pb[1], PW = pb[2],
            EndD = i[0] + pb[0] + pe[0], EndH = i[1] + pb[1] + pe[1], EndW = i[2] + pb[2] + pe[2],
            IsMax = isMax ? 1 : 0, CountIncludePad = countIncludePad ? 1 : 0,
        };
    }
}

/// <summary>MaxPool (float32, no Indices output) on the device; Indices and integer inputs run on the host.</summary>
[BackendKernel("gpu")]
public sealed class MaxPoolGpu(MaxPool op) : GpuKernel<MaxPool>(op)
{
    /// <inheritdoc/>
    protected override void Execute(IReadOnlyList<Tensor?> inputs, IReadOnlyList<Tensor?> outputs)
    {
        var x = inputs[0]!;
        if (!AllFloat(inputs, outputs) || (outputs.Count > 1 && outputs[1] is not null) || x.Rank > 5) { RunOnHost(inputs, outputs); return; }
        var g = Op.Resolve(x.Shape);
        var y = outputs[0]!;
        var args = PoolSetup.Args(g, In(inputs, 0), Out(outputs, 0), true, false);
        Launch.Elements(Device, NeuralKernels.Pool, y.Length, args);
        Done(outputs);
    }
}

/// <summary>AveragePool on the device (count_include_pad and ceil_mode from the resolved geometry).</summary>
[BackendKernel("gpu")]
public sealed class AveragePoolGpu(AveragePool op) : GpuKernel<AveragePool>(op)
{
    /// <inheritdoc/>
    protected override void Execute(IReadOnlyList<Tensor?> inputs, IReadOnlyList<Tensor?> outputs)
    {
        var x = inputs[0]!;
        if (!AllFloat(inputs, outputs) || x.Rank > 5) { RunOnHost(inputs, outputs); return; }
        var g = Op.Resolve(x.Shape);
        var args = PoolSetup.Args(g, In(inputs, 0), Out(outputs, 0), false, Op.CountIncludePad);
        Launch.Elements(Device, NeuralKernels.Pool, outputs[0]!.Length, args);
        Done(outputs);
    }
}

/// <summary>Global pools: one group per (n, c) plane with a group reduction.</summary>
internal static class GlobalPoolSetup
{
    public static void Run(GpuDevice d, ArrayView<float> x, ArrayView<float> y, Tensor input, bool max)
    {
        int rows = input.Shape[0] * input.Shape[1];
        int plane = ShapeUtil.Product(input.Shape, 2, input.Rank);
        if (rows == 0) return;
        if (plane == 0) throw new UnsupportedException("global pooling over an empty plane");
        Launch.Groups(d, NeuralKernels.GlobalPool, new Index3D(rows, 1, 1), d.Tiles.ReduceGroupSize,
            new RowArgs { X = x, Y = y, Length = plane, Inner = 1, Flag = max ? 1 : 0, Scale = x, Shift = x, Channels = 1 });
    }
}

/// <summary>GlobalAveragePool.</summary>
[BackendKernel("gpu")]
public sealed class GlobalAveragePoolGpu(GlobalAveragePool op) : GpuKernel<GlobalAveragePool>(op)
{
    /// <inheritdoc/>
    protected override void Execute(IReadOnlyList<Tensor?> inputs, IReadOnlyList<Tensor?> outputs)
    {
        if (!AllFloat(inputs, outputs) || ShapeUtil.Product(inputs[0]!.Shape, 2, inputs[0]!.Rank) == 0) { RunOnHost(inputs, outputs); return; }
        GlobalPoolSetup.Run(Device, In(inputs, 0), Out(outputs, 0), inputs[0]!, false);
        Done(outputs);
    }
}

/// <summary>GlobalMaxPool.</summary>
[BackendKernel("gpu")]
public sealed class GlobalMaxPoolGpu(GlobalMaxPool op) : GpuKernel<GlobalMaxPool>(op)
{
    /// <inheritdoc/>
    protected override void Execute(IReadOnlyList<Tensor?> inputs, IReadOnlyList<Tensor?> outputs)
    {
        if (!AllFloat(inputs, outputs) || ShapeUtil.Product(inputs[0]!.Shape, 2, inputs[0]!.Rank) == 0) { RunOnHost(inputs, outputs); return; }
        GlobalPoolSetup.Run(Device, In(inputs, 0), Out(outputs, 0), inputs[0]!, true);
        Done(outputs);
    }
}

/// <summary>Inference BatchNormalization, one thread per element (per-channel factors computed in the kernel).</summary>
[BackendKernel("gpu")]
public sealed class BatchNormalizationGpu(BatchNormalization op) : GpuKernel<BatchNormalization>(op)
{
    /// <inheritdoc/>
    protected override void Execute(IReadOnlyList<Tensor?> inputs, IReadOnlyList<Tensor?> outputs)
    {
        var x = inputs[0]!;
        bool extraOutputs = outputs.Skip(1).Any(t => t is not null);
        if (!AllFloat(inputs, outputs) || extraOutputs || Op.TrainingMode || !Op.Spatial || x.Rank < 2 || inputs.Count < 5) { RunOnHost(inputs, outputs); return; }
        var args = new BatchNormArgs
        {
            X = In(inputs, 0), Scale = Param(inputs, 1), Bias = Param(inputs, 2), Mean = Param(inputs, 3), Var = Param(inputs, 4),
            Y = Out(outputs, 0), C = x.Shape[1], Plane = Math.Max(1, ShapeUtil.Product(x.Shape, 2, x.Rank)), Epsilon = Op.Epsilon,
        };
        Launch.Elements(Device, NeuralKernels.BatchNorm, x.Length, args);
        Done(outputs);
    }
}

/// <summary>InstanceNormalization: one group per (n, c) plane, two-pass mean/variance with group reductions.</summary>
[BackendKernel("gpu")]
public sealed class InstanceNormalizationGpu(InstanceNormalization op) : GpuKernel<InstanceNormalization>(op)
{
    /// <inheritdoc/>
    protected override void Execute(IReadOnlyList<Tensor?> inputs, IReadOnlyList<Tensor?> outputs)
    {
        var x = inputs[0]!;
        int plane = x.Rank > 2 ? ShapeUtil.Product(x.Shape, 2, x.Rank) : 1;
        if (!AllFloat(inputs, outputs) || x.Rank < 3 || plane == 0) { RunOnHost(inputs, outputs); return; }
        int rows = x.Shape[0] * x.Shape[1];
        var args = new RowArgs
        {
            X = In(inputs, 0), Scale = Param(inputs, 1), Shift = Param(inputs, 2), Y = Out(outputs, 0),
            Length = plane, Inner = 1, Channels = x.Shape[1], Epsilon = Op.Epsilon,
        };
        Launch.Groups(Device, NeuralKernels.InstanceNorm, new Index3D(rows, 1, 1), Tiles.ReduceGroupSize, args);
        Done(outputs);
    }
}

/// <summary>LRN across channels, one thread per element.</summary>
[BackendKernel("gpu")]
public sealed class LRNGpu(LRN op) : GpuKernel<LRN>(op)
{
    /// <inheritdoc/>
    protected override void Execute(IReadOnlyList<Tensor?> inputs, IReadOnlyList<Tensor?> outputs)
    {
        var x = inputs[0]!;
        if (!AllFloat(inputs, outputs) || x.Rank < 3) { RunOnHost(inputs, outputs); return; }
        var args = new LrnArgs
        {
            X = In(inputs, 0), Y = Out(outputs, 0), C = x.Shape[1], Plane = ShapeUtil.Product(x.Shape, 2, x.Rank),
            Below = (Op.Size - 1) / 2, Above = Op.Size / 2, Size = Op.Size, Alpha = Op.Alpha, Beta = Op.Beta, Bias = Op.Bias,
        };
        Launch.Elements(Device, NeuralKernels.Lrn, x.Length, args);
        Done(outputs);
    }
}

/// <summary>Softmax / LogSoftmax: one group per row, max and sum by group reductions.</summary>
[BackendKernel("gpu")]
public sealed class SoftmaxGpu(Softmax op) : GpuKernel<Softmax>(op)
{
    /// <inheritdoc/>
    protected override void Execute(IReadOnlyList<Tensor?> inputs, IReadOnlyList<Tensor?> outputs)
    {
        var x = inputs[0]!;
        if (!AllFloat(inputs, outputs)) { RunOnHost(inputs, outputs); return; }
        var (outer, length, inner) = Op.Layout(x.Shape);
        if (x.Length == 0) { Done(outputs); return; }
        var args = new RowArgs { X = In(inputs, 0), Y = Out(outputs, 0), Length = length, Inner = inner, Flag = Op.IsLog ? 1 : 0, Scale = default, Shift = default, Channels = 1 };
        args.Scale = args.X;
        args.Shift = args.X;
        Launch.Groups(Device, NeuralKernels.Softmax, new Index3D(outer * inner, 1, 1), Tiles.ReduceGroupSize, args);
        Done(outputs);
    }
}
