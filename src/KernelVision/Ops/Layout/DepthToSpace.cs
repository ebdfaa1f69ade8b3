using KernelVision.Graph;
using KernelVision.Tensors;

namespace KernelVision.Ops.Layout;

/// <summary>
/// DepthToSpace: moves channel blocks into b×b spatial blocks, [N, C, H, W] → [N, C/b², H·b, W·b].
/// DCR mode (default) takes the block offset from the high part of the channel index
/// (channel = (i·b + j)·C/b² + c); CRD from the low part (channel = c·b² + i·b + j).
/// </summary>
[OnnxOp("DepthToSpace")]
public sealed class DepthToSpace : Op
{
    /// <summary>Block size b.</summary>
    public int BlockSize { get; }
    /// <summary>True for CRD mode, false for DCR.</summary>
    public bool ColumnRowDepth { get; }

    /// <summary>Parses 'blocksize' and 'mode' (opset 11+).</summary>
    public DepthToSpace(Node node, int opset) : base(node, opset)
    {
        long b = Attributes.GetInt("blocksize");
        if (b < 1 || b > 32768) throw Fail($"blocksize must be in [1, 32768], got {b}");
        BlockSize = (int)b;
        string mode = opset >= 11 ? Attributes.GetString("mode", "DCR") : "DCR";
        ColumnRowDepth = mode switch
        {
            "DCR" => false,
            "CRD" => true,
            _ => throw Fail($"unknown mode '{mode}' (expected DCR or CRD)"),
        };
    }

    /// <inheritdoc/>
    public override TensorInfo[] InferOutputs(IReadOnlyList<TensorInfo?> inputs)
    {
        ExpectInputs(inputs, 1, 1);
        var x = Input(inputs, 0);
        if (x.Shape.Length != 4) throw Fail($"expects a 4-D input [N,C,H,W], got {x}");
        int b = BlockSize;
        if (x.Shape[1] % (b * b) != 0) throw Fail($"channels {x.Shape[1]} of {x} are not a multiple of blocksize² = {b * b}");
        int[] shape = [x.Shape[0], x.Shape[1] / (b * b), LayoutUtil.Dim(Node, (long)x.Shape[2] * b), LayoutUtil.Dim(Node, (long)x.Shape[3] * b)];
        return [new TensorInfo(x.Type, LayoutUtil.CheckShape(Node, shape))];
    }
}
