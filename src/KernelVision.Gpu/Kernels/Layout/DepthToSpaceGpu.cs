using KernelVision.Backends;
using KernelVision.Ops.Layout;
using KernelVision.Tensors;

namespace KernelVision.Gpu.Kernels.Layout;

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
