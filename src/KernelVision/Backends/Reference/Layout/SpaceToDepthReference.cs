using KernelVision.Ops.Layout;
using KernelVision.Tensors;

namespace KernelVision.Backends.Reference.Layout;

/// <summary>SpaceToDepth: output (n, (i·b + j)·C + c, h, w) reads input (n, c, h·b + i, w·b + j).</summary>
[BackendKernel("reference")]
public sealed class SpaceToDepthReference(SpaceToDepth op) : Kernel<SpaceToDepth>(op)
{
    /// <inheritdoc/>
    public override void Run(IReadOnlyList<Tensor?> inputs, IReadOnlyList<Tensor?> outputs)
    {
        var x = inputs[0]!;
        var y = outputs[0]!;
        int b = Op.BlockSize;
        int n = x.Shape[0], c = x.Shape[1], h = x.Shape[2], w = x.Shape[3];
        int oc = y.Shape[1], oh = y.Shape[2], ow = y.Shape[3];
        var map = new int[y.Length];
        int o = 0;
        for (int ni = 0; ni < n; ni++)
            for (int channel = 0; channel < oc; channel++)
                for (int yy = 0; yy < oh; yy++)
                    for (int xx = 0; xx < ow; xx++)
                    {
                        int block = channel / c, ci = channel % c;
                        int i = block / b, j = block % b;
                        map[o++] = ((ni * c + ci) * h + yy * b + i) * w + xx * b + j;
                    }
        ElementCopy.Gather(x, y, map);
    }
}
