using KernelVision.Ops.Neural;

namespace KernelVision.Passes;

/// <summary>What the reordering passes ask of a 1×1 conv they move.</summary>
internal static class PointwiseConv
{
    /// <summary>
    /// A Conv that mixes each pixel's channels on its own: a constant W of 1×1 (any rank and group),
    /// stride 1, no padding (auto_pad needs no check: a 1×1 window at stride 1 pads nothing), and no
    /// residual input or input normalisation (those read other tensors at the output's, or the input's, pixels).
    /// </summary>
    public static bool Is(GraphProgram program, Conv conv)
    {
        if (conv.Residual || conv.InputNormalization is not null || conv.Node.Inputs.Count < 2) return false;
        if (program.FixedConstant(conv.Node.Inputs[1]) is not { Rank: >= 3 } w || w.Shape.Skip(2).Any(k => k != 1)) return false;
        return !conv.Strides.Any(v => v != 1) && !conv.PadsBegin.Any(v => v != 0) && !conv.PadsEnd.Any(v => v != 0);
    }
}
