using ILGPU;
using KernelVision.Backends;
using KernelVision.Gpu.Device;
using KernelVision.Gpu.Runtime;
using KernelVision.Ops.Layout;
using KernelVision.Tensors;

namespace KernelVision.Gpu.Kernels.Layout;

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
