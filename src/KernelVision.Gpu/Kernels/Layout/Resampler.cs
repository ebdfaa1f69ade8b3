using ILGPU;
using ILGPU.Runtime;
using KernelVision.Gpu.Device;
using KernelVision.Gpu.Runtime;
using KernelVision.Ops.Layout;
using KernelVision.Tensors;

namespace KernelVision.Gpu.Kernels.Layout;

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
