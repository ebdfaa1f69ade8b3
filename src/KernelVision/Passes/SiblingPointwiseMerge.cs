using KernelVision.Graph;
using KernelVision.Ops;
using KernelVision.Ops.Neural;
using KernelVision.Tensors;

namespace KernelVision.Passes;

/// <summary>
/// Merges the 1×1 Convs that read one input into a single Conv over their stacked weights, followed
/// by a Split back into their outputs: Inception-v3's blocks start two to three branches with a 1×1
/// conv of the block's input (768 → 192, 128, 128 at 17×17). One product with M = ΣMᵢ reads the
/// input once where each small one read it again from memory, its weights stream as one block, and
/// its larger M keeps the register tiles full; the Split's copies cost less than the reads saved.
/// The convs must differ in their output channels only: the same fused activation (ActivationFusion
/// has run), float32 weights of one shape apart from M, group 1; a missing bias becomes zeros when
/// another conv has one. Each output keeps its name, so every reader and graph output is unchanged.
/// </summary>
public sealed class SiblingPointwiseMerge : IGraphPass
{
    /// <inheritdoc/>
    public void Run(GraphProgram program, List<string> log)
    {
        var done = new HashSet<string>();
        for (int i = 0; i < program.Ops.Count; i++)
        {
            if (program.Ops[i] is not Conv first || !Mergeable(program, first)) continue;
            string x = first.Node.Inputs[0];
            if (!done.Add(x + "\n" + first.Activation)) continue;
            var siblings = program.Ops.OfType<Conv>().Where(c => c.Node.Inputs[0] == x && Mergeable(program, c) && Alike(program, first, c)).ToList();
            if (siblings.Count < 2) continue;
            Merge(program, siblings, log);
            i = program.Ops.IndexOf(program.Producer(siblings[0].Node.Outputs[0])!);
        }
    }

    /// <summary>A 1×1 stride-1 unpadded Conv of group 1 with float32 constant weights (and bias, if any), one output, x read as input 0 only.</summary>
    private static bool Mergeable(GraphProgram program, Conv conv)
    {
        var n = conv.Node;
        if (conv.Group != 1 || n.Outputs.Count != 1 || n.Inputs.Count is not (2 or 3) || !PointwiseConv.Is(program, conv)) return false;
        if (n.Inputs.Skip(1).Contains(n.Inputs[0])) return false;
        if (program.FixedConstant(n.Inputs[1]) is not { Type: DataType.Float32 } w) return false;
        return n.Inputs.Count == 2 || n.Inputs[2].Length == 0
            || program.FixedConstant(n.Inputs[2]) is { Type: DataType.Float32, Rank: 1 } b && b.Length == w.Shape[0];
    }

    /// <summary>Same activation, and weights that differ in their output channels only.</summary>
    private static bool Alike(GraphProgram program, Conv a, Conv b)
    {
        if (a.Activation != b.Activation) return false;
        var wa = program.Constants[a.Node.Inputs[1]].Shape;
        var wb = program.Constants[b.Node.Inputs[1]].Shape;
        return wa.Length == wb.Length && wa.Skip(1).SequenceEqual(wb.Skip(1));
    }

    private static void Merge(GraphProgram program, List<Conv> siblings, List<string> log)
    {
        var first = siblings[0];
        var weights = siblings.Select(c => program.Constants[c.Node.Inputs[1]]).ToList();
        int perChannel = weights[0].Length / weights[0].Shape[0];
        int total = weights.Sum(w => w.Shape[0]);
        var stacked = new float[(long)total * perChannel];
        var bias = new float[total];
        bool anyBias = false;
        for (int s = 0, at = 0; s < siblings.Count; at += weights[s].Shape[0], s++)
        {
            weights[s].Floats.CopyTo(stacked.AsSpan(at * perChannel));
            var n = siblings[s].Node;
            if (n.Inputs.Count < 3 || n.Inputs[2].Length == 0) continue;
            program.Constants[n.Inputs[2]].Floats.CopyTo(bias.AsSpan(at));
            anyBias = true;
        }
        string x = first.Node.Inputs[0];
        string w = program.FreshName(first.Node.Name + "_merged_W");
        program.Constants[w] = Tensor.FromFloats([total, .. weights[0].Shape.Skip(1)], stacked);
        var inputs = new List<string> { x, w };
        if (anyBias)
        {
            string b = program.FreshName(first.Node.Name + "_merged_B");
            program.Constants[b] = Tensor.FromFloats([total], bias);
            inputs.Add(b);
        }
        string y = program.FreshName(first.Node.Outputs[0] + "_merged");
        var convNode = new Node
        {
            Name = first.Node.Name + "_merged",
            OpType = "Conv",
            Inputs = inputs,
            Outputs = [y],
            Attributes = first.Node.Attributes,
        };
        var conv = (Conv)OpRegistry.Create(convNode, first.Opset);
        conv.Activation = first.Activation;

        // Split's sizes: an attribute before opset 13, an int64 input from 13 on.
        long[] sizes = weights.Select(t => (long)t.Shape[0]).ToArray();
        var splitNode = new Node
        {
            Name = first.Node.Name + "_split",
            OpType = "Split",
            Inputs = [y],
            Outputs = siblings.Select(c => c.Node.Outputs[0]).ToList(),
            Attributes = new AttributeSet(first.Opset < 13
                ? [new Graph.Attribute { Name = "axis", Kind = AttributeKind.Int, Int = 1 }, new Graph.Attribute { Name = "split", Kind = AttributeKind.Ints, Ints = sizes }]
                : [new Graph.Attribute { Name = "axis", Kind = AttributeKind.Int, Int = 1 }], "Split"),
        };
        if (first.Opset >= 13)
        {
            string split = program.FreshName(first.Node.Name + "_split_sizes");
            program.Constants[split] = Tensor.FromInt64s([sizes.Length], sizes);
            splitNode.Inputs.Add(split);
        }
        var splitOp = OpRegistry.Create(splitNode, first.Opset);

        // At the first sibling's place: x is ready there, and every output only comes earlier than before.
        int at0 = siblings.Min(c => program.Ops.IndexOf(c));
        foreach (var c in siblings) program.Ops.Remove(c);
        program.Ops.Insert(at0, conv);
        program.Ops.Insert(at0 + 1, splitOp);
        log.Add($"merge: {string.Join(", ", siblings.Select(c => c.Node.DisplayName))} read {x}: one 1×1 conv of {total} channels, then Split");
    }
}
