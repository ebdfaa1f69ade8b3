using KernelVision.Graph;
using KernelVision.Ops;
using KernelVision.Ops.Neural;
using KernelVision.Tensors;

namespace KernelVision.Passes;

/// <summary>
/// Moves a bias-free 1×1 Conv that reduces the channels ahead of the AveragePool that feeds it:
/// Conv(AveragePool(x)) becomes AveragePool(Conv(x)). Both are linear, the pool per channel over a
/// window of pixels and the conv per pixel over the channels, and a zero of the pool's padding stays
/// zero through a conv without bias, so the two orders agree up to rounding (the sums are taken in
/// another order). The pool then averages the conv's fewer channels: Inception-v3's pool branches
/// average 192–2048 channels and project them to 32–192. A bias (the exporter's folded
/// BatchNormalization) cannot go through the pool, whose padded windows would average it with
/// zeros: it is added after the pool by a BatchNormalization of scale 1, mean 0, variance 1 and
/// epsilon 0, exactly x + b, which takes the ReLU that followed the conv. Runs before BatchNormFolding,
/// so a conv with an unfolded BatchNormalization after it keeps it there.
/// </summary>
public sealed class ProjectionBeforeAveragePool : IGraphPass
{
    /// <inheritdoc/>
    public void Run(GraphProgram program, List<string> log)
    {
        for (int i = 0; i < program.Ops.Count; i++)
        {
            if (program.Ops[i] is not AveragePool pool || pool.Node.Inputs.Count != 1 || pool.Node.Outputs.Count != 1) continue;
            if (program.SoleReader(pool.Node.Outputs[0]) is not Conv conv) continue;
            var cn = conv.Node;
            if (cn.Outputs.Count != 1) continue;
            if (conv.Activation.Kind != ActivationKind.None || !PointwiseConv.Is(program, conv)) continue;
            // Only when the conv has fewer output channels than input channels: else the pool would move more data.
            var w = program.FixedConstant(cn.Inputs[1])!;
            int channels = w.Shape[0];
            if (channels >= (long)w.Shape[1] * conv.Group) continue;
            string bias = cn.Inputs.Count > 2 ? cn.Inputs[2] : "";
            if (cn.Inputs.Count > 3) continue;
            // The bias step after the pool is float32: a float64 conv with a bias stays as it is.
            if (bias.Length > 0 && program.FixedConstant(bias) is not { Type: DataType.Float32, Rank: 1 }) continue;
            if (bias.Length > 0 && program.Constants[bias].Length != channels) continue;

            program.Swap(pool, conv);
            if (bias.Length > 0)
            {
                // The bias moves after the pool (a padded window would average it in with zeros): a
                // BatchNormalization that adds it exactly, x·1/√(1 + 0) + b, into which ActivationFusion
                // then folds the ReLU that followed the conv.
                cn.Inputs.RemoveAt(2);
                string y = pool.Node.Outputs[0], averaged = program.FreshName(y + "_averaged");
                pool.Node.Outputs[0] = averaged;
                string ones = program.FreshName(bias + "_ones"), zeros = program.FreshName(bias + "_zeros");
                program.Constants[ones] = Tensor.FromFloats([channels], Enumerable.Repeat(1f, channels).ToArray());
                program.Constants[zeros] = Tensor.FromFloats([channels], new float[channels]);
                var bn = new Node
                {
                    Name = cn.Name + "_bias",
                    OpType = "BatchNormalization",
                    Inputs = [averaged, ones, bias, zeros, ones],
                    Outputs = [y],
                    Attributes = new AttributeSet([new Graph.Attribute { Name = "epsilon", Kind = AttributeKind.Float, Float = 0f }], "BatchNormalization"),
                };
                program.Ops.Insert(program.Ops.IndexOf(pool) + 1, OpRegistry.Create(bn, Math.Max(conv.Opset, 9)));
            }
            i = program.Ops.IndexOf(pool);
            log.Add($"reorder: {cn.DisplayName} moved before {pool.Node.DisplayName} (the pool averages {w.Shape[0]} channels, not {w.Shape[1] * conv.Group})");
        }
    }
}
