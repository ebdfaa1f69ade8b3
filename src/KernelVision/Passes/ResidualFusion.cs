using KernelVision.Ops;
using KernelVision.Ops.Elementwise;
using KernelVision.Ops.Neural;

namespace KernelVision.Passes;

/// <summary>
/// Moves a residual connection's Add into the Conv that feeds it: Add(Conv(X, W, B), Z) becomes one
/// Conv with <see cref="Conv.Residual"/> set and Z as its fourth input, so kernels add Z while the
/// output tile is still in registers instead of in another pass over memory (ResNet's blocks,
/// MobileNetV2's inverted residuals). An activation after the Add (ResNet's ReLU) then fuses into
/// the same Conv (<see cref="ActivationFusion"/> runs next). Done only when the Conv's output feeds
/// that Add alone and is not a graph output, the Conv has no activation yet (it would have to run
/// before the Add), and Z is not a constant: a constant Z is almost always a per-channel bias
/// broadcast over the plane, which the kernels' epilogues do not take. The fused Conv runs where
/// the Add ran, since Z may be computed after the Conv (ResNet's downsample branch).
/// </summary>
public sealed class ResidualFusion : IGraphPass
{
    /// <inheritdoc/>
    public void Run(GraphProgram program, List<string> log)
    {
        for (int i = 0; i < program.Ops.Count; i++)
        {
            if (program.Ops[i] is not BinaryOp { Kind: BinaryKind.Add, IsLegacy: false } add) continue;
            var an = add.Node;
            if (an.Inputs.Count != 2 || an.Outputs.Count != 1 || an.Inputs[0] == an.Inputs[1] || an.Inputs.Any(n => n.Length == 0)) continue;
            for (int side = 0; side < 2; side++)
            {
                string y = an.Inputs[side], z = an.Inputs[1 - side];
                if (program.GraphOutputs.Contains(y) || program.Constants.ContainsKey(z) || program.Consumers(y).Count != 1) continue;
                int at = program.Ops.FindIndex(o => o.Node.Outputs.Count == 1 && o.Node.Outputs[0] == y);
                if (at < 0 || at > i || program.Ops[at] is not Conv { Residual: false } conv || conv.Activation.Kind != ActivationKind.None) continue;
                var cn = conv.Node;
                if (cn.Inputs.Count > 3) continue;
                while (cn.Inputs.Count < 3) cn.Inputs.Add(""); // no bias
                cn.Inputs.Add(z);
                conv.Residual = true;
                cn.Outputs[0] = an.Outputs[0];
                program.Ops.RemoveAt(i);
                program.Ops.RemoveAt(at);
                program.Ops.Insert(i - 1, conv);
                log.Add($"fuse: {an.DisplayName} into {cn.DisplayName} as its residual input");
                i--; // the op after the Add now sits at i
                break;
            }
        }
    }
}
