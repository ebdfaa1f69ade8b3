using KernelVision.Graph;
using KernelVision.Ops;
using KernelVision.Ops.Layout;
using KernelVision.Ops.Neural;
using KernelVision.Tensors;

namespace KernelVision.Passes;

/// <summary>
/// Folds a zero-value constant Pad of the spatial axes into the Conv or AveragePool that reads it:
/// the consumer's own pads grow by the Pad's, and an AveragePool counts them
/// (count_include_pad = 1, as the explicit zeros were counted). PyTorch exports
/// <c>avg_pool2d(padding=1)</c> this way (Inception-v3 has nine), and TensorFlow converters emit Pad
/// before Conv; folded, the pass over the padded copy disappears. Only done when the Pad's output
/// feeds that consumer alone, its pads and value are constants the caller cannot override, and the
/// consumer has explicit pads (no auto_pad) and, for pools, no ceil_mode (its partial last windows
/// would count differently).
/// </summary>
public sealed class PadFusion : IGraphPass
{
    /// <inheritdoc/>
    public void Run(GraphProgram program, List<string> log)
    {
        for (int i = 0; i < program.Ops.Count; i++)
        {
            if (program.Ops[i] is not Pad { Mode: PadMode.Constant } pad) continue;
            var pn = pad.Node;
            if (pn.Inputs.Count == 0 || pn.Inputs[0].Length == 0 || pn.Outputs.Count != 1) continue;
            if (program.SoleReader(pn.Outputs[0]) is not { } consumer) continue;
            bool isPool = consumer is AveragePool;
            if (consumer is not (Conv or AveragePool) || consumer is AveragePool { CeilMode: true }) continue;
            var window = (WindowedOp)consumer;
            if (window.AutoPad != AutoPad.NotSet || window.KernelShape.Length == 0) continue;
            if (SpatialPads(program, pad, window.KernelShape.Length) is not { } extra) continue;
            if (isPool && !((AveragePool)consumer).CountIncludePad && (window.PadsBegin.Any(p => p != 0) || window.PadsEnd.Any(p => p != 0))) continue;

            int spatial = window.KernelShape.Length;
            long[] Old(int[] side) => side.Length == spatial ? side.Select(v => (long)v).ToArray() : new long[spatial];
            long[] begin = Old(window.PadsBegin), end = Old(window.PadsEnd);
            long[] pads = [.. begin.Select((v, d) => v + extra[d]), .. end.Select((v, d) => v + extra[spatial + d])];
            if (pads.Any(v => v > int.MaxValue)) continue;

            var cn = consumer.Node;
            var attributes = cn.Attributes.All.Where(a => a.Name is not ("pads" or "count_include_pad")).ToList();
            attributes.Add(new Graph.Attribute { Name = "pads", Kind = AttributeKind.Ints, Ints = pads });
            if (isPool) attributes.Add(new Graph.Attribute { Name = "count_include_pad", Kind = AttributeKind.Int, Int = 1 });
            var rewritten = new Node
            {
                Name = cn.Name,
                OpType = cn.OpType,
                Domain = cn.Domain,
                Inputs = [pn.Inputs[0], .. cn.Inputs.Skip(1)],
                Outputs = [.. cn.Outputs],
                Attributes = new AttributeSet(attributes, cn.OpType),
            };
            Op replacement;
            try { replacement = OpRegistry.Create(rewritten, consumer.Opset); }
            catch (KernelVisionException) { continue; }
            program.Ops[program.Ops.IndexOf(consumer)] = replacement;
            program.Ops.RemoveAt(i);
            i--;
            log.Add($"pad-fuse: {pn.DisplayName} folded into {cn.DisplayName}'s pads");
        }
    }

    /// <summary>
    /// The Pad's [begin…, end…] pads of the last <paramref name="spatial"/> axes when it pads only
    /// those, by non-negative amounts, with the value 0, all known constants; null otherwise.
    /// </summary>
    private static long[]? SpatialPads(GraphProgram program, Pad pad, int spatial)
    {
        var inputs = pad.Node.Inputs;
        long[] p;
        if (pad.PadsAttribute is { } attribute)
        {
            if (pad.ValueAttribute != 0f) return null;
            p = attribute;
        }
        else
        {
            if (inputs.Count < 2 || program.FixedConstant(inputs[1]) is not { Type: DataType.Int64, Rank: 1 } t) return null;
            if (inputs.Count > 3 && inputs[3].Length > 0) return null; // explicit axes: keep the general op
            if (inputs.Count > 2 && inputs[2].Length > 0)
            {
                if (program.FixedConstant(inputs[2]) is not { Type: DataType.Float32, Length: 1 } v || v.Floats[0] != 0f) return null;
            }
            p = t.Int64s.ToArray();
        }
        int rank = p.Length / 2;
        if (p.Length % 2 != 0 || rank != spatial + 2 || p.Any(v => v < 0)) return null;
        if (p[0] != 0 || p[1] != 0 || p[rank] != 0 || p[rank + 1] != 0) return null; // batch and channel axes unpadded
        return [.. p[2..rank], .. p[(rank + 2)..]];
    }
}
