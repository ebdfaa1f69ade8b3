using KernelVision.Backends;
using KernelVision.Ops.Layout;
using KernelVision.Tensors;

namespace KernelVision.Gpu.Kernels.Layout;

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
