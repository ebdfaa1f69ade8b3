using KernelVision.Ops;
using KernelVision.Ops.Neural;
using KernelVision.Tensors;

namespace KernelVision.Passes;

/// <summary>
/// Folds an inference BatchNormalization into the Conv or ConvTranspose that feeds it:
/// with s = scale/√(var + ε), W' = W·s per output channel and B' = (B − mean)·s + β. The BN node
/// disappears, saving a full pass over the activation. Only done when the conv's output feeds the
/// BN alone and every parameter is a constant the caller cannot override.
/// </summary>
public sealed class BatchNormFolding : IGraphPass
{
    /// <inheritdoc/>
    public void Run(GraphProgram program, List<string> log)
    {
        for (int i = 0; i < program.Ops.Count; i++)
        {
            if (program.Ops[i] is not BatchNormalization bn || bn.TrainingMode || !bn.Spatial) continue;
            var bnNode = bn.Node;
            if (bnNode.Inputs.Count != 5 || bnNode.Outputs.Count == 0 || bnNode.Outputs.Skip(1).Any(o => o.Length > 0)) continue;
            string y = bnNode.Inputs[0];
            if (program.GraphOutputs.Contains(y)) continue;
            var producer = program.Ops.FirstOrDefault(o => o.Node.Outputs.Count > 0 && o.Node.Outputs[0] == y);
            if (producer is not (Conv or ConvTranspose)) continue;
            if (producer is Conv { Activation.Kind: not ActivationKind.None } or ConvTranspose { Activation.Kind: not ActivationKind.None }) continue;
            if (program.Consumers(y).Count != 1) continue;

            var pn = producer.Node;
            if (pn.Inputs.Count < 2) continue;
            var w = program.FixedConstant(pn.Inputs[1]);
            bool hasBias = pn.Inputs.Count > 2 && pn.Inputs[2].Length > 0;
            var b = hasBias ? program.FixedConstant(pn.Inputs[2]) : null;
            var p = bnNode.Inputs.Skip(1).Select(program.FixedConstant).ToArray();
            // Fold only what the ops' own validation would accept: anything else (wrong element type,
            // rank or length) stays in the graph so the planner refuses it with the node named.
            if (w is null || (hasBias && b is null) || p.Any(t => t is null)) continue;
            if (OutChannels(producer, w) is not int outChannels) continue;
            if (hasBias && !IsVector(b!, outChannels) || !p.All(t => IsVector(t!, outChannels))) continue;
            // And the BatchNormalization itself must pass its own validation on the conv's output.
            var x = new TensorInfo(DataType.Float32, [1, outChannels, .. Enumerable.Repeat(1, w.Rank - 2)]);
            try { bn.InferOutputs([x, .. p.Select(t => TensorInfo.Of(t!))]); }
            catch (Exception e) when (e is KernelVisionException or ValueNotKnownException) { continue; }

            var s = new double[outChannels];
            var newB = new float[outChannels];
            for (int m = 0; m < outChannels; m++)
            {
                s[m] = p[0]!.Floats[m] / Math.Sqrt(p[3]!.Floats[m] + (double)bn.Epsilon);
                double bias = hasBias ? b!.Floats[m] : 0;
                newB[m] = (float)((bias - p[2]!.Floats[m]) * s[m] + p[1]!.Floats[m]);
            }
            // var + ε ≤ 0 or non-finite statistics give an infinite or NaN scale: the unfused op then
            // yields ±∞ per element, which the folded weights cannot reproduce (∞ − ∞ in the conv's sums
            // becomes NaN). Such a graph runs as written.
            if (!s.All(double.IsFinite) || !newB.All(float.IsFinite)) continue;
            var newW = w.Clone();
            var wf = newW.Floats;
            if (producer is Conv)
            {
                int per = w.Length / w.Shape[0];
                for (int m = 0; m < outChannels; m++)
                    for (int k = 0; k < per; k++) wf[m * per + k] = (float)(wf[m * per + k] * s[m]);
            }
            else
            {
                // ConvTranspose W is [Cin, M/group, k...]; input channel c of group g feeds outputs g·(M/group) + j.
                int group = ((ConvTranspose)producer).Group;
                int cin = w.Shape[0], mg = w.Shape[1], per = w.Length / (cin * mg);
                for (int c = 0; c < cin; c++)
                {
                    int g = c / (cin / group);
                    for (int j = 0; j < mg; j++)
                        for (int k = 0; k < per; k++)
                        {
                            int at = (c * mg + j) * per + k;
                            wf[at] = (float)(wf[at] * s[g * mg + j]);
                        }
                }
            }
            if (!AllFinite(wf) && AllFinite(w.Floats)) continue; // the scale overflowed a weight
            string wName = Fresh(program, pn.Inputs[1] + ".bnfolded");
            string bName = Fresh(program, (hasBias ? pn.Inputs[2] : pn.Inputs[1]) + ".bnfolded_bias");
            program.Constants[wName] = newW;
            program.Constants[bName] = Tensor.FromFloats([outChannels], newB);
            pn.Inputs[1] = wName;
            if (pn.Inputs.Count > 2) pn.Inputs[2] = bName; else pn.Inputs.Add(bName);
            pn.Outputs[0] = bnNode.Outputs[0];
            program.Ops.RemoveAt(i);
            i--;
            log.Add($"bn-fold: {bnNode.DisplayName} folded into {pn.DisplayName}");
        }
    }

    /// <summary>
    /// Output channels of the producer given a float32 weight of rank ≥ 3 with no empty dimension and
    /// channel counts that fit the group; null when the weight is not one the fold can rewrite.
    /// </summary>
    private static int? OutChannels(Op producer, Tensor w)
    {
        if (w.Type != DataType.Float32 || w.Rank < 3 || w.Shape.Any(d => d <= 0)) return null;
        if (producer is ConvTranspose ct)
        {
            long m = (long)w.Shape[1] * ct.Group;
            return w.Shape[0] % ct.Group == 0 && m <= int.MaxValue ? (int)m : null;
        }
        return w.Shape[0];
    }

    private static bool AllFinite(ReadOnlySpan<float> values)
    {
        foreach (float v in values) if (!float.IsFinite(v)) return false;
        return true;
    }

    /// <summary>A float32 vector (rank 1) of exactly <paramref name="length"/> elements, as BatchNormalization and the conv bias require.</summary>
    private static bool IsVector(Tensor t, int length) => t.Type == DataType.Float32 && t.Rank == 1 && t.Length == length;

    internal static string Fresh(GraphProgram program, string name)
    {
        string n = name;
        for (int k = 1; program.Constants.ContainsKey(n); k++) n = $"{name}{k}";
        return n;
    }
}
