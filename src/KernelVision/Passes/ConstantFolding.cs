using KernelVision.Backends.Reference;
using KernelVision.Ops;
using KernelVision.Tensors;

namespace KernelVision.Passes;

/// <summary>
/// Evaluates, once at load, every deterministic node whose inputs are all fixed constants
/// (Constant nodes, Identity of an initializer, arithmetic on weights) and turns its outputs
/// into constants. Exporters route weights and activation bounds through such nodes —
/// torch.onnx shares equal initializers through Identity and gives Clip its bounds as Constant
/// nodes — and the later passes can only fold BatchNorm or fuse ReLU6 when they see the values.
/// Shape arithmetic that depends on input shapes is left to the per-plan folding.
/// </summary>
public sealed class ConstantFolding : IGraphPass
{
    /// <summary>Outputs larger than this (and larger than the inputs) stay nodes: folding must not inflate the model.</summary>
    public const long MaxGrowthBytes = 16 << 20;

    /// <inheritdoc/>
    public void Run(GraphProgram program, List<string> log)
    {
        int folded = 0;
        for (int i = 0; i < program.Ops.Count; i++)
        {
            var op = program.Ops[i];
            var node = op.Node;
            if (!op.IsDeterministic || node.Outputs.Count == 0) continue;
            if (node.Outputs.Any(o => o.Length > 0 && (program.GraphOutputs.Contains(o) || program.Overridable.Contains(o)))) continue;
            var values = new Tensor?[node.Inputs.Count];
            bool allConstant = true;
            for (int k = 0; k < values.Length && allConstant; k++)
            {
                if (node.Inputs[k].Length == 0) continue;
                values[k] = program.FixedConstant(node.Inputs[k]);
                allConstant = values[k] is not null;
            }
            if (!allConstant) continue;

            // A node that cannot be inferred or computed stays in the graph: the planner reports its
            // error with the file and node named, at the same point as without this pass.
            TensorInfo[] infos;
            try { infos = op.InferOutputs(TensorInfo.Of(values)); }
            catch (Exception e) when (e is ValueNotKnownException or KernelVisionException) { continue; }
            if (infos.Length < node.Outputs.Count) continue; // the planner reports this with full context
            long inBytes = values.Sum(v => v is null ? 0 : TensorInfo.Of(v).Bytes);
            long outBytes = node.Outputs.Select((o, k) => o.Length == 0 ? 0 : infos[k].Bytes).Sum();
            if (outBytes > MaxGrowthBytes && outBytes > inBytes) continue;

            Tensor?[] outs;
            if (node.OpType == "Identity") outs = [values[0]]; // shares the tensor: constants are never written
            else if (infos.Take(node.Outputs.Count).All(inf => inf.Value is not null)) outs = infos.Select(inf => inf.Value).ToArray();
            else
            {
                try { outs = ReferenceEvaluator.Evaluate(op, values, infos); }
                catch (KernelVisionException) { continue; }
            }
            for (int o = 0; o < node.Outputs.Count; o++)
                if (node.Outputs[o].Length > 0) program.Constants[node.Outputs[o]] = outs[o]!;
            program.Ops.RemoveAt(i--);
            folded++;
        }
        if (folded > 0) log.Add($"constant-folding: folded {folded} node{(folded == 1 ? "" : "s")} whose inputs are all constants");
    }
}
