using KernelVision.Ops.Layout;
using KernelVision.Tensors;

namespace KernelVision.Backends.Reference.Layout;

/// <summary>DepthToSpace: output (n, c, h·b + i, w·b + j) reads input (n, channel(c, i, j), h, w).</summary>
[BackendKernel("reference")]
public sealed class DepthToSpaceReference(DepthToSpace op) : Kernel<DepthToSpace>(op)
{
    /// <inheritdoc/>
    public override void Run(IReadOnlyList<Tensor?> inputs, IReadOnlyList<Tensor?> outputs)
    {
        var x = inputs[0]!;
        var y = outputs[0]!;
        int b = Op.BlockSize;
        int n = y.Shape[0], c = y.Shape[1], oh = y.Shape[2], ow = y.Shape[3];
        int h = x.Shape[2], w = x.Shape[3];
        var map = new int[y.Length];
        int o = 0;
        for (int ni = 0; ni < n; ni++)
            for (int ci = 0; ci < c; ci++)
                for (int yy = 0; yy < oh; yy++)
                    for (int xx = 0; xx < ow; xx++)
                    {
                        int i = yy % b, j = xx % b;
                        int channel = Op.ColumnRowDepth ? ci * b * b + i * b + j : (i * b + j) * c + ci;
                        map[o++] = ((ni * x.Shape[1] + channel) * h + yy / b) * w + xx / b;
                    }
        ElementCopy.Gather(x, y, map);
    }
}
