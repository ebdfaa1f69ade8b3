using ILGPU;
using ILGPU.Runtime;
using KernelVision.Backends;
using KernelVision.Gpu.Device;
using KernelVision.Gpu.Runtime;
using KernelVision.Ops;
using KernelVision.Ops.Layout;
using KernelVision.Tensors;

namespace KernelVision.Gpu.Kernels;

/// <summary>Strided device copies (the gather kernel) shared by the layout ops.</summary>
internal static class Copies
{
    /// <summary>Y[dst] = X[src] over <paramref name="dims"/> with source strides <paramref name="s"/> and destination strides <paramref name="t"/>; false when it does not fit 6 dims.</summary>
    public static bool Strided(GpuDevice d, ArrayView<float> x, ArrayView<float> y, int[] dims, int[] s, int[] t, int baseS = 0, int baseT = 0)
    {
        var (cd, cs, ct) = Shapes.Coalesce(dims, s, t);
        if (cd.Length > Shapes.MaxRank) return false;
        int n = ShapeUtil.Size(dims);
        Launch.Elements(d, ElementwiseKernels.Copy, n, new CopyArgs { X = x, Y = y, Dims = Shapes.Box(cd, cs, ct, baseS, baseT) });
        return true;
    }

    /// <summary>A plain device-to-device copy of a whole tensor.</summary>
    public static void Whole(GpuDevice d, ArrayView<float> x, ArrayView<float> y)
    {
        if (y.Length == 0) return;
        ((ArrayView1D<float, Stride1D.Dense>)x).CopyTo(d.Accelerator.DefaultStream, (ArrayView1D<float, Stride1D.Dense>)y);
    }
}

/// <summary>Ops whose float output is the input's elements unchanged (only the shape differs): one device copy.</summary>
public abstract class DataCopyGpu<TOp>(TOp op) : GpuKernel<TOp>(op) where TOp : Op
{
    /// <inheritdoc/>
    protected override void Execute(IReadOnlyList<Tensor?> inputs, IReadOnlyList<Tensor?> outputs)
    {
        if (inputs[0]!.Type != DataType.Float32 || outputs[0]!.Type != DataType.Float32 || outputs.Skip(1).Any(t => t is not null) || !Extra(inputs))
        {
            RunOnHost(inputs, outputs);
            return;
        }
        Copies.Whole(Device, In(inputs, 0), Out(outputs, 0));
        Done(outputs);
    }

    /// <summary>False when other inputs ask for behaviour the copy does not have.</summary>
    protected virtual bool Extra(IReadOnlyList<Tensor?> inputs) => true;
}

/// <summary>Identity.</summary>
[BackendKernel("gpu")] public sealed class IdentityGpu(Identity op) : DataCopyGpu<Identity>(op);
/// <summary>Reshape.</summary>
[BackendKernel("gpu")] public sealed class ReshapeGpu(Reshape op) : DataCopyGpu<Reshape>(op);
/// <summary>Flatten.</summary>
[BackendKernel("gpu")] public sealed class FlattenGpu(Flatten op) : DataCopyGpu<Flatten>(op);
/// <summary>Squeeze.</summary>
[BackendKernel("gpu")] public sealed class SqueezeGpu(Squeeze op) : DataCopyGpu<Squeeze>(op);
/// <summary>Unsqueeze.</summary>
[BackendKernel("gpu")] public sealed class UnsqueezeGpu(Unsqueeze op) : DataCopyGpu<Unsqueeze>(op);

/// <summary>Dropout in inference mode (no mask, no training_mode input): a copy.</summary>
[BackendKernel("gpu")]
public sealed class DropoutGpu(Dropout op) : DataCopyGpu<Dropout>(op)
{
    /// <inheritdoc/>
    protected override bool Extra(IReadOnlyList<Tensor?> inputs) => inputs.Count < 3 || inputs[2] is null;
}

/// <summary>Concat: one strided copy per input into its slab of the output.</summary>
[BackendKernel("gpu")]
public sealed class ConcatGpu(Concat op) : GpuKernel<Concat>(op)
{
    /// <inheritdoc/>
    protected override void Execute(IReadOnlyList<Tensor?> inputs, IReadOnlyList<Tensor?> outputs)
    {
        var y = outputs[0]!;
        if (!AllFloat(inputs, outputs)) { RunOnHost(inputs, outputs); return; }
        int axis = Op.ResolveAxis(y.Rank);
        int outer = ShapeUtil.Product(y.Shape, 0, axis), inner = ShapeUtil.Product(y.Shape, axis + 1, y.Rank), total = y.Shape[axis];
        var yv = Out(outputs, 0);
        int offset = 0;
        for (int i = 0; i < inputs.Count; i++)
        {
            var x = inputs[i]!;
            int len = x.Shape[axis];
            if (x.Length > 0)
                Copies.Strided(Device, In(inputs, i), yv, [outer, len, inner], [len * inner, inner, 1], [total * inner, inner, 1], 0, offset * inner);
            offset += len;
        }
        Done(outputs);
    }
}

/// <summary>Split: one strided copy per output.</summary>
[BackendKernel("gpu")]
public sealed class SplitGpu(Split op) : GpuKernel<Split>(op)
{
    /// <inheritdoc/>
    protected override void Execute(IReadOnlyList<Tensor?> inputs, IReadOnlyList<Tensor?> outputs)
    {
        var x = inputs[0]!;
        if (!AllFloat(inputs.Take(1).ToList(), outputs)) { RunOnHost(inputs, outputs); return; }
        var sizes = Op.Resolve(x.Shape, inputs.Count > 1 ? inputs[1] : null);
        int axis = Op.ResolveAxis(x.Rank);
        int outer = ShapeUtil.Product(x.Shape, 0, axis), inner = ShapeUtil.Product(x.Shape, axis + 1, x.Rank), total = x.Shape[axis];
        var xv = In(inputs, 0);
        int offset = 0;
        for (int k = 0; k < sizes.Length; k++)
        {
            if (k < outputs.Count && outputs[k] is { } y && y.Length > 0)
                Copies.Strided(Device, xv, Out(outputs, k), [outer, sizes[k], inner], [total * inner, inner, 1], [sizes[k] * inner, inner, 1], offset * inner, 0);
            offset += sizes[k];
        }
        Done(outputs);
    }
}

/// <summary>Slice (any steps, negative included): a strided gather.</summary>
[BackendKernel("gpu")]
public sealed class SliceGpu(Slice op) : GpuKernel<Slice>(op)
{
    /// <inheritdoc/>
    protected override void Execute(IReadOnlyList<Tensor?> inputs, IReadOnlyList<Tensor?> outputs)
    {
        var x = inputs[0]!;
        var y = outputs[0]!;
        if (x.Type != DataType.Float32) { RunOnHost(inputs, outputs); return; }
        Tensor? At(int i) => i < inputs.Count ? inputs[i] : null;
        var plan = Op.Resolve(x.Shape, At(1), At(2), At(3), At(4));
        var strides = ShapeUtil.Strides(x.Shape);
        var s = new int[x.Rank];
        int start = 0;
        for (int d = 0; d < x.Rank; d++)
        {
            s[d] = strides[d] * plan[d].Step;
            start += plan[d].Start * strides[d];
        }
        if (y.Length > 0 && !Copies.Strided(Device, In(inputs, 0), Out(outputs, 0), y.Shape, s, ShapeUtil.Strides(y.Shape), start, 0))
        {
            RunOnHost(inputs, outputs);
            return;
        }
        Done(outputs);
    }
}

/// <summary>Transpose: a gather with permuted source strides.</summary>
[BackendKernel("gpu")]
public sealed class TransposeGpu(Transpose op) : GpuKernel<Transpose>(op)
{
    /// <inheritdoc/>
    protected override void Execute(IReadOnlyList<Tensor?> inputs, IReadOnlyList<Tensor?> outputs)
    {
        var x = inputs[0]!;
        var y = outputs[0]!;
        if (!AllFloat(inputs, outputs)) { RunOnHost(inputs, outputs); return; }
        var perm = Op.ResolvePerm(x.Rank);
        var xs = ShapeUtil.Strides(x.Shape);
        var s = perm.Select(p => xs[p]).ToArray();
        if (y.Length > 0 && !Copies.Strided(Device, In(inputs, 0), Out(outputs, 0), y.Shape, s, ShapeUtil.Strides(y.Shape)))
        {
            RunOnHost(inputs, outputs);
            return;
        }
        Done(outputs);
    }
}

/// <summary>DepthToSpace (DCR and CRD) as a 6-d gather.</summary>
[BackendKernel("gpu")]
public sealed class DepthToSpaceGpu(DepthToSpace op) : GpuKernel<DepthToSpace>(op)
{
    /// <inheritdoc/>
    protected override void Execute(IReadOnlyList<Tensor?> inputs, IReadOnlyList<Tensor?> outputs)
    {
        var x = inputs[0]!;
        var y = outputs[0]!;
        if (!AllFloat(inputs, outputs) || x.Rank != 4) { RunOnHost(inputs, outputs); return; }
        int b = Op.BlockSize, cx = x.Shape[1], h = x.Shape[2], w = x.Shape[3], c = y.Shape[1];
        int plane = h * w;
        bool crd = Op.ColumnRowDepth;
        // Output viewed as [n, c, h, i, w, j]; channel read = CRD ? c·b² + i·b + j : (i·b + j)·C + c.
        int[] dims = [x.Shape[0], c, h, b, w, b];
        int[] s = [cx * plane, crd ? b * b * plane : plane, w, crd ? b * plane : b * c * plane, 1, crd ? plane : c * plane];
        if (y.Length > 0) Copies.Strided(Device, In(inputs, 0), Out(outputs, 0), dims, s, ShapeUtil.Strides(dims));
        Done(outputs);
    }
}

/// <summary>SpaceToDepth as a 6-d gather.</summary>
[BackendKernel("gpu")]
public sealed class SpaceToDepthGpu(SpaceToDepth op) : GpuKernel<SpaceToDepth>(op)
{
    /// <inheritdoc/>
    protected override void Execute(IReadOnlyList<Tensor?> inputs, IReadOnlyList<Tensor?> outputs)
    {
        var x = inputs[0]!;
        var y = outputs[0]!;
        if (!AllFloat(inputs, outputs) || x.Rank != 4) { RunOnHost(inputs, outputs); return; }
        int b = Op.BlockSize, c = x.Shape[1], h = x.Shape[2], w = x.Shape[3];
        // Output viewed as [n, i, j, c, h/b, w/b]: channel (i·b + j)·C + c reads row h'·b + i, column w'·b + j.
        int[] dims = [x.Shape[0], b, b, c, h / b, w / b];
        int[] s = [c * h * w, w, 1, h * w, b * w, b];
        if (y.Length > 0) Copies.Strided(Device, In(inputs, 0), Out(outputs, 0), dims, s, ShapeUtil.Strides(dims));
        Done(outputs);
    }
}

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

/// <summary>Resize and Upsample: separable, one device pass per resampled axis (nearest is a 1-tap pass).</summary>
internal sealed class Resampler : IDisposable
{
    private string? _key;
    private readonly List<(int Axis, ResizeAxisTaps Taps, MemoryBuffer1D<int, Stride1D.Dense> Indices, MemoryBuffer1D<float, Stride1D.Dense> Weights)> _passes = [];
    private MemoryBuffer1D<float, Stride1D.Dense>? _ping, _pong;

    /// <summary>Runs <paramref name="plan"/>; false when the device path does not apply (crop extrapolation, int data).</summary>
    public bool Run(GpuDevice d, ResizePlan plan, ArrayView<float> x, ArrayView<float> y, int[] inShape, int[] outShape)
    {
        string key = ShapeUtil.Format(inShape) + ShapeUtil.Format(outShape) + string.Join(",", plan.Scales) + (plan.Roi is null ? "" : string.Join(",", plan.Roi));
        if (_key != key)
        {
            Dispose();
            for (int axis = 0; axis < inShape.Length; axis++)
            {
                var taps = plan.Taps(axis);
                if (taps.Outside.Any(o => o)) return false;
                bool identity = inShape[axis] == outShape[axis] && taps.TapCount == 1 && Enumerable.Range(0, outShape[axis]).All(p => taps.Indices[p] == p);
                if (identity) continue;
                _passes.Add((axis, taps, d.Memory.Table(taps.Indices), d.Memory.Table(taps.Weights.Select(w => (float)w).ToArray())));
            }
            long biggest = 0;
            var shape = (int[])inShape.Clone();
            foreach (var p in _passes) { shape[p.Axis] = outShape[p.Axis]; biggest = Math.Max(biggest, ShapeUtil.Size(shape)); }
            if (_passes.Count > 1)
            {
                _ping = d.Accelerator.Allocate1D<float>(Math.Max(1, biggest));
                _pong = d.Accelerator.Allocate1D<float>(Math.Max(1, biggest));
            }
            _key = key;
        }
        if (_passes.Count == 0) { Copies.Whole(d, x, y); return true; }
        var current = (int[])inShape.Clone();
        var src = x;
        for (int i = 0; i < _passes.Count; i++)
        {
            var (axis, taps, idx, wts) = _passes[i];
            var next = (int[])current.Clone();
            next[axis] = outShape[axis];
            ArrayView<float> dst = i == _passes.Count - 1 ? y : (ArrayView<float>)(i % 2 == 0 ? _ping! : _pong!).View.SubView(0, ShapeUtil.Size(next));
            var args = new ResizeArgs
            {
                X = src, Y = dst, Indices = idx.View, Weights = wts.View, Taps = taps.TapCount,
                LengthIn = current[axis], LengthOut = outShape[axis], Inner = ShapeUtil.Product(current, axis + 1, current.Length),
            };
            Launch.Elements(d, ElementwiseKernels.ResizeAxis, ShapeUtil.Size(next), args);
            src = dst;
            current = next;
        }
        return true;
    }

    public void Dispose()
    {
        foreach (var p in _passes) { p.Indices.Dispose(); p.Weights.Dispose(); }
        _passes.Clear();
        _ping?.Dispose(); _pong?.Dispose();
        _ping = _pong = null;
        _key = null;
    }
}

/// <summary>Resize (nearest, linear, cubic, antialias: the plan's taps) on the device.</summary>
[BackendKernel("gpu")]
public sealed class ResizeGpu(Resize op) : GpuKernel<Resize>(op)
{
    private readonly Resampler _resampler = new();

    /// <inheritdoc/>
    protected override void Execute(IReadOnlyList<Tensor?> inputs, IReadOnlyList<Tensor?> outputs)
    {
        var x = inputs[0]!;
        var y = outputs[0]!;
        if (x.Type != DataType.Float32 || y.Length == 0) { RunOnHost(inputs, outputs); return; }
        var plan = Op.Plan(inputs);
        if (!_resampler.Run(Device, plan, In(inputs, 0), Out(outputs, 0), x.Shape, y.Shape)) { RunOnHost(inputs, outputs); return; }
        Done(outputs);
    }
}

/// <summary>Upsample (deprecated Resize) on the device.</summary>
[BackendKernel("gpu")]
public sealed class UpsampleGpu(Upsample op) : GpuKernel<Upsample>(op)
{
    private readonly Resampler _resampler = new();

    /// <inheritdoc/>
    protected override void Execute(IReadOnlyList<Tensor?> inputs, IReadOnlyList<Tensor?> outputs)
    {
        var x = inputs[0]!;
        var y = outputs[0]!;
        if (x.Type != DataType.Float32 || y.Length == 0) { RunOnHost(inputs, outputs); return; }
        var plan = Op.Plan(inputs);
        if (!_resampler.Run(Device, plan, In(inputs, 0), Out(outputs, 0), x.Shape, y.Shape)) { RunOnHost(inputs, outputs); return; }
        Done(outputs);
    }
}

/// <summary>ReduceMean over any axes: one group per output with a group reduction.</summary>
[BackendKernel("gpu")]
public sealed class ReduceMeanGpu(ReduceMean op) : GpuKernel<ReduceMean>(op)
{
    /// <inheritdoc/>
    protected override void Execute(IReadOnlyList<Tensor?> inputs, IReadOnlyList<Tensor?> outputs)
    {
        var x = inputs[0]!;
        var y = outputs[0]!;
        if (x.Type != DataType.Float32 || x.Rank > Shapes.MaxRank || y.Length == 0) { RunOnHost(inputs, outputs); return; }
        var reduced = Op.ResolveAxes(x.Rank, inputs.Count > 1 ? inputs[1] : null);
        var strides = ShapeUtil.Strides(x.Shape);
        var keptDims = new List<int>(); var keptStrides = new List<int>();
        var redDims = new List<int>(); var redStrides = new List<int>();
        for (int d = 0; d < x.Rank; d++)
        {
            if (reduced[d]) { redDims.Add(x.Shape[d]); redStrides.Add(strides[d]); }
            else { keptDims.Add(x.Shape[d]); keptStrides.Add(strides[d]); }
        }
        int count = ShapeUtil.Size(redDims.ToArray());
        if (count == 0) { RunOnHost(inputs, outputs); return; }
        var kept = keptDims.Count == 0 ? Shapes.Box([1], [0]) : Shapes.Box(keptDims.ToArray(), keptStrides.ToArray());
        var red = redDims.Count == 0 ? Shapes.Box([1], [0]) : Shapes.Box(redDims.ToArray(), redStrides.ToArray());
        var args = new ReduceArgs { X = In(inputs, 0), Y = Out(outputs, 0), Kept = kept, Reduced = red, Count = count };
        Launch.Groups(Device, NeuralKernels.ReduceRows, new Index3D(y.Length, 1, 1), Tiles.ReduceGroupSize, args);
        Done(outputs);
    }
}
