using KernelVision.Graph;
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
/// the output's resolution); its fused activation and input normalisation act per element and move
/// with it. Runs after the fusion passes, which need the conv beside its BatchNormalization and Add.
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
            string x = rn.Inputs[0], upsampled = rn.Outputs[0];
            if (program.GraphOutputs.Contains(upsampled)) continue;
            var consumers = program.Consumers(upsampled);
            if (consumers.Count != 1 || consumers[0] is not Conv conv || !IsPointwise(program, conv)) continue;
            var cn = conv.Node;
            if (cn.Inputs.IndexOf(upsampled) != 0 || cn.Inputs.LastIndexOf(upsampled) != 0 || cn.Outputs.Count != 1) continue;

            // The conv's low-resolution output gets a fresh name; the resize takes over the conv's output.
            string y = cn.Outputs[0], low = FreshName(program, y + "_before_resize");
            cn.Inputs[0] = x;
            cn.Outputs[0] = low;
            rn.Inputs[0] = low;
            rn.Outputs[0] = y;
            if (sizesChain is { } shape) shape.Node.Inputs[0] = low;

            // The conv goes where the resize (or the Shape reading its output) was, the resize right after it.
            program.Ops.Remove(conv);
            int at = Math.Min(program.Ops.IndexOf(resize), sizesChain is null ? int.MaxValue : program.Ops.IndexOf(sizesChain));
            program.Ops.Insert(at, conv);
            if (program.Ops.IndexOf(resize) < at) throw new InvalidOperationException("resize placed before the conv it reads");
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
        if (sizes.Length == 0 || program.GraphOutputs.Contains(sizes) || !Only(program, sizes, resize)) return false;
        if (Producer(program, sizes) is not Concat concat || concat.Axis != 0 || concat.Node.Inputs.Count < 2) return false;
        string head = concat.Node.Inputs[0];
        if (concat.Node.Inputs.LastIndexOf(head) != 0 || !Only(program, head, concat)) return false;
        if (Producer(program, head) is not Slice slice || !TakesFirstTwo(program, slice)) return false;
        string shapeOut = slice.Node.Inputs[0];
        if (!Only(program, shapeOut, slice) || Producer(program, shapeOut) is not Shape shape) return false;
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

    /// <summary>A Conv whose constant W is 1×1 (any rank and group), stride 1 and no padding, without a residual input.</summary>
    private static bool IsPointwise(GraphProgram program, Conv conv)
    {
        if (conv.Residual || conv.Node.Inputs.Count < 2) return false;
        if (program.FixedConstant(conv.Node.Inputs[1]) is not { Rank: >= 3 } w) return false;
        if (w.Shape.Skip(2).Any(k => k != 1)) return false;
        // auto_pad needs no check: a 1×1 window at stride 1 pads nothing in any mode.
        return !conv.Strides.Any(v => v != 1) && !conv.PadsBegin.Any(v => v != 0) && !conv.PadsEnd.Any(v => v != 0);
    }

    private static Op? Producer(GraphProgram program, string value) => program.Ops.FirstOrDefault(o => o.Node.Outputs.Contains(value));

    /// <summary>True when <paramref name="consumer"/> is the only op reading <paramref name="value"/>, and it is no graph output.</summary>
    private static bool Only(GraphProgram program, string value, Op consumer)
    {
        var readers = program.Consumers(value);
        return readers.Count == 1 && ReferenceEquals(readers[0], consumer) && !program.GraphOutputs.Contains(value);
    }

    private static string FreshName(GraphProgram program, string stem)
    {
        var used = new HashSet<string>(program.Constants.Keys);
        foreach (var op in program.Ops)
        {
            used.UnionWith(op.Node.Inputs);
            used.UnionWith(op.Node.Outputs);
        }
        string name = stem;
        for (int n = 2; used.Contains(name); n++) name = $"{stem}_{n}";
        return name;
    }
}
