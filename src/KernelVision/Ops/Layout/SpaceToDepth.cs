using KernelVision.Graph;

namespace KernelVision.Ops.Layout;

/// <summary>
/// SpaceToDepth: the inverse of DCR DepthToSpace, [N, C, H, W] → [N, C·b², H/b, W/b]; output
/// channel (i·b + j)·C + c holds input pixel (h·b + i, w·b + j) of channel c.
/// </summary>
[OnnxOp("SpaceToDepth")]
public sealed class SpaceToDepth : Op
{
    /// <summary>Block size b.</summary>
    public int BlockSize { get; }

    /// <summary>Parses 'blocksize'.</summary>
    public SpaceToDepth(Node node, int opset) : base(node, opset)
    {
        long b = Attributes.GetInt("blocksize");
        if (b < 1 || b > 32768) throw Fail($"blocksize must be in [1, 32768], got {b}");
        BlockSize = (int)b;
    }

    /// <inheritdoc/>
    public override TensorInfo[] InferOutputs(IReadOnlyList<TensorInfo?> inputs)
    {
        ExpectInputs(inputs, 1, 1);
        var x = Input(inputs, 0);
        if (x.Shape.Length != 4) throw Fail($"expects a 4-D input [N,C,H,W], got {x}");
        int b = BlockSize;
        if (x.Shape[2] % b != 0 || x.Shape[3] % b != 0) throw Fail($"spatial size of {x} is not a multiple of blocksize {b}");
        int[] shape = [x.Shape[0], LayoutUtil.Dim(Node, (long)x.Shape[1] * b * b), x.Shape[2] / b, x.Shape[3] / b];
        return [new TensorInfo(x.Type, LayoutUtil.CheckShape(Node, shape))];
    }
}
