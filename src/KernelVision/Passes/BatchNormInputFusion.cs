using KernelVision.Ops.Neural;

namespace KernelVision.Passes;

/// <summary>
/// Moves an inference BatchNormalization (and the activation <see cref="ActivationFusion"/> put in
/// it) that feeds a Conv without padding into that Conv as <see cref="Conv.InputNormalization"/>:
/// the pre-activation form BN → ReLU → Conv of DenseNet (61 in DenseNet-121: 58 dense layers and
/// 3 transitions) that cannot fold into a preceding Conv. Kernels then normalise X while they read
/// it (the Cpu backend while packing the GEMM operand of a 1×1 conv) or into a copy of their own
/// (the paths that read X in place), in place of the BN node's pass over memory.
/// Only done when the BN's output feeds that Conv's X alone and is not a graph output, and the Conv
/// has no padding (a padded tap must read 0, not a normalised 0).
/// </summary>
public sealed class BatchNormInputFusion : IGraphPass
{
    /// <inheritdoc/>
    public void Run(GraphProgram program, List<string> log)
    {
        for (int i = 0; i < program.Ops.Count; i++)
        {
            if (program.Ops[i] is not BatchNormalization { TrainingMode: false, Spatial: true } bn) continue;
            var bnode = bn.Node;
            if (bnode.Inputs.Count != 5 || bnode.Inputs.Any(n => n.Length == 0) || bnode.Outputs.Count(o => o.Length > 0) != 1 || bnode.Outputs[0].Length == 0) continue;
            string y = bnode.Outputs[0];
            if (program.GraphOutputs.Contains(y)) continue;
            var consumers = program.Consumers(y);
            if (consumers.Count != 1 || consumers[0] is not Conv { InputNormalization: null } conv) continue;
            var cn = conv.Node;
            if (cn.Inputs.IndexOf(y) != 0 || cn.Inputs.LastIndexOf(y) != 0) continue;
            bool unpadded = conv.AutoPad == AutoPad.Valid
                || (conv.AutoPad == AutoPad.NotSet && conv.PadsBegin.All(p => p == 0) && conv.PadsEnd.All(p => p == 0));
            if (!unpadded) continue;
            cn.Inputs[0] = bnode.Inputs[0];
            while (cn.Inputs.Count < 4) cn.Inputs.Add(""); // no bias, no residual
            cn.Inputs.AddRange(bnode.Inputs.Skip(1));
            conv.InputNormalization = bn;
            program.Ops.RemoveAt(i);
            i--;
            log.Add($"fuse: {bnode.DisplayName} into {cn.DisplayName} as its input normalisation");
        }
    }
}
