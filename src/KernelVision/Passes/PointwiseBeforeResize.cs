using KernelVision.Ops;
using KernelVision.Ops.Layout;
using KernelVision.Ops.Neural;
using KernelVision.Tensors;

namespace KernelVision.Passes;

/// <summary>
/// Moves a 1×1 Conv ahead of the nearest-neighbour Resize that feeds it: Conv(Resize(x)) becomes
/// Resize(Conv(x)). A 1×1 conv mixes the channels of each pixel on its own and a nearest resize only
/// copies whole pixels, so both orders give the same values bit for bit, and the conv then runs at
/// the input's resolution (U-Net decoders' "upsample, then project": 4× fewer multiply-adds for a 2×
/// upsampling) and the resize moves the conv's channels instead of the input's.
/// Only done when the resize provably leaves the batch and channel axes as they are: scales that are
/// constants with 1 on both (in a coordinate mode that maps a scale of 1 to the identity), or sizes
/// computed as <c>Concat(Slice(Shape(x), 0, 2), …)</c> from the resize's own input, the form
/// <c>F.interpolate(size=…)</c> exports; that Shape is then pointed at the conv's output, so the
/// sizes keep naming the channels the resize now sees. The conv must have no residual input (Z is at
/// the output's resolution), nor an input normalisation; its fused activation acts per element and
/// moves with it. Runs after the fusion passes, which need the conv beside its BatchNormalization and Add.
/// </summary>
public sealed class PointwiseBeforeResize : IGraphPass
{
    /// <inheritdoc/>
    public void Run(GraphProgram program, List<string> log)
    {
        for (int i = 0; i < program.Ops.Count; i++)
        {
            if (program.Ops[i] is not Resize resize || !Applies(program, resize, out var sizesChain)) continue;
            var rn = resize.Node;
            if (program.SoleReader(rn.Outputs[0]) is not Conv conv || !PointwiseConv.Is(program, conv)) continue;
            var cn = conv.Node;
            if (cn.Outputs.Count != 1) continue;

            // The conv's low-resolution output gets a fresh name; the resize takes over the conv's output.
            string low = program.Swap(resize, conv);
            if (sizesChain is { } shape)
            {
                // The Shape now reads the conv's output, so the conv must run before it too.
                shape.Node.Inputs[0] = low;
                program.Ops.Remove(conv);
                program.Ops.Insert(Math.Min(program.Ops.IndexOf(shape), program.Ops.IndexOf(resize)), conv);
            }
            i = program.Ops.IndexOf(resize);
            log.Add($"reorder: {cn.DisplayName} moved before {rn.DisplayName} (1×1 conv at the input's resolution)");
        }
    }

    /// <summary>
    /// True when <paramref name="resize"/> is nearest and provably keeps axes 0 and 1; for sizes of the
    /// <c>Concat(Slice(Shape(x), 0, 2), …)</c> form, <paramref name="sizesShape"/> is that Shape op.
    /// </summary>
    private static bool Applies(GraphProgram program, Resize resize, out Shape? sizesShape)
    {
        sizesShape = null;
        var s = resize.Sampling;
        var inputs = resize.Node.Inputs;
        if (s.Mode != ResizeMode.Nearest || resize.Axes is not null || resize.AspectPolicy != ResizeAspectPolicy.Stretch) return false;
        if (inputs.Count == 0 || inputs[0].Length == 0 || resize.Node.Outputs.Count != 1) return false;
        if (s.CoordinateMode is not (ResizeCoordinateMode.Asymmetric or ResizeCoordinateMode.HalfPixel
            or ResizeCoordinateMode.PytorchHalfPixel or ResizeCoordinateMode.AlignCorners)) return false;
        string Input(int k) => inputs.Count > k ? inputs[k] : "";
        string scales = resize.Opset < 11 ? Input(1) : Input(2), sizes = resize.Opset < 11 ? "" : Input(3);
        if (scales.Length > 0 && sizes.Length > 0) return false;
        if (scales.Length > 0)
        {
            // Scale 1 in these modes maps output index i to input coordinate i exactly.
            return program.FixedConstant(scales) is { Type: DataType.Float32, Rank: 1, Length: >= 3 } t && t.Floats[0] == 1f && t.Floats[1] == 1f;
        }
        if (sizes.Length == 0 || !program.OnlyReader(sizes, resize)) return false;
        if (program.Producer(sizes) is not Concat concat || concat.Axis != 0 || concat.Node.Inputs.Count < 2) return false;
        string head = concat.Node.Inputs[0];
        if (concat.Node.Inputs.LastIndexOf(head) != 0 || !program.OnlyReader(head, concat)) return false;
        if (program.Producer(head) is not Slice slice || !TakesFirstTwo(program, slice)) return false;
        string shapeOut = slice.Node.Inputs[0];
        if (!program.OnlyReader(shapeOut, slice) || program.Producer(shapeOut) is not Shape shape) return false;
        if (shape.Start != 0 || shape.End is not null || shape.Node.Inputs.Count != 1 || shape.Node.Inputs[0] != inputs[0]) return false;
        sizesShape = shape;
        return true;
    }

    /// <summary>A Slice of elements [0, 2) of a 1-D tensor: constant starts 0, ends 2, axes 0 or none, steps 1 or none.</summary>
    private static bool TakesFirstTwo(GraphProgram program, Slice slice)
    {
        var inputs = slice.Node.Inputs;
        if (slice.StartsAttribute is not null || slice.EndsAttribute is not null || slice.AxesAttribute is not null) return false;
        bool Is(int k, long value, bool optional)
        {
            if (inputs.Count <= k || inputs[k].Length == 0) return optional;
            return program.FixedConstant(inputs[k]) is { Type: DataType.Int64, Length: 1 } t && t.Int64s[0] == value;
        }
        return inputs.Count >= 3 && Is(1, 0, false) && Is(2, 2, false) && Is(3, 0, true) && Is(4, 1, true);
    }
}
