using KernelVision.Ops;
using KernelVision.Ops.Elementwise;
using KernelVision.Ops.Linear;
using KernelVision.Ops.Neural;
using KernelVision.Tensors;

namespace KernelVision.Passes;

/// <summary>
/// Moves an activation (Relu, LeakyRelu, Clip with constant bounds — ReLU6 —, Sigmoid, Tanh,
/// HardSigmoid) into the epilogue of the Conv, ConvTranspose, Gemm or (inference)
/// BatchNormalization that feeds it, so the activation is applied while the output is still in
/// registers instead of in another pass.
/// </summary>
public sealed class ActivationFusion : IGraphPass
{
    /// <inheritdoc/>
    public void Run(GraphProgram program, List<string> log)
    {
        for (int i = 0; i < program.Ops.Count; i++)
        {
            if (program.Ops[i] is not IFusibleActivation act) continue;
            var an = program.Ops[i].Node;
            if (an.Inputs.Count == 0 || an.Outputs.Count != 1) continue;
            string y = an.Inputs[0];
            if (program.GraphOutputs.Contains(y) || program.Consumers(y).Count != 1 || an.Inputs.Skip(1).Contains(y)) continue;
            var producer = program.Ops.FirstOrDefault(o => o.Node.Outputs.Count > 0 && o.Node.Outputs[0] == y);
            if (producer is null || producer.Node.Outputs.Count != 1) continue;

            var infos = an.Inputs.Select((name, k) => name.Length == 0 ? null
                : k == 0 ? new TensorInfo(DataType.Float32, [])
                : program.FixedConstant(name) is { } t ? TensorInfo.Of(t) : new TensorInfo(DataType.Float32, [])).ToList();
            // Fuse only what the activation's own validation accepts (arity, attribute and bound types,
            // with a float32 stand-in for the producer's output): a node the planner would refuse must
            // stay in the graph and be refused, not vanish into the producer's epilogue.
            try { program.Ops[i].InferOutputs(infos); }
            catch (Exception e) when (e is KernelVisionException or ValueNotKnownException) { continue; }
            if (act.AsFused(infos) is not { } fused) continue;

            switch (producer)
            {
                case Conv c when c.Activation.Kind == ActivationKind.None: c.Activation = fused; break;
                case ConvTranspose c when c.Activation.Kind == ActivationKind.None: c.Activation = fused; break;
                case Gemm g when g.Activation.Kind == ActivationKind.None: g.Activation = fused; break;
                // Inference BN only: in training mode it has running-statistics outputs besides Y.
                case BatchNormalization b when b.Activation.Kind == ActivationKind.None && !b.TrainingMode: b.Activation = fused; break;
                default: continue;
            }
            producer.Node.Outputs[0] = an.Outputs[0];
            program.Ops.RemoveAt(i);
            i--;
            log.Add($"fuse: {an.DisplayName} into {producer.Node.DisplayName} as {fused}");
        }
    }
}
