using KernelVision.Graph;
using KernelVision.Tensors;

namespace KernelVision.Ops.Neural;

/// <summary>
/// ConvTranspose: the gradient of Conv with respect to its input, used for learned upsampling.
/// X is [N, C, D1..Dn], W is [C, M/group, k1..kn], optional B is [M]; Y is [N, M, O1..On] with
/// O = stride·(D−1) + output_padding + (k−1)·dilation + 1 − pad_begin − pad_end, unless
/// <c>output_shape</c> or a SAME auto_pad fixes O and the pads follow from it.
/// </summary>
[OnnxOp("ConvTranspose")]
public sealed class ConvTranspose : WindowedOp
{
    /// <summary>Number of channel groups (≥ 1).</summary>
    public int Group { get; }

    /// <summary>output_padding as given (extra cells at the end of each axis); empty when absent.</summary>
    public int[] OutputPadding { get; }

    /// <summary>output_shape as given (spatial dims; a full N,C,... form is trimmed); empty when absent.</summary>
    public int[] OutputShape { get; }

    /// <summary>Activation applied to every output element after the bias (set by fusion; default none).</summary>
    public FusedActivation Activation { get; set; }

    /// <summary>Parses and validates the attributes.</summary>
    public ConvTranspose(Node node, int opset) : base(node, opset)
    {
        Group = Attributes.GetInt32("group", 1);
        if (Group < 1) throw Fail($"group {Group} must be at least 1");
        OutputPadding = Attributes.GetIntArray("output_padding") ?? [];
        OutputShape = Attributes.GetIntArray("output_shape") ?? [];
        if (OutputPadding.Any(p => p < 0)) throw Fail($"output_padding {Show(OutputPadding)} must not be negative");
        if (OutputShape.Any(p => p < 0)) throw Fail($"output_shape {Show(OutputShape)} must not be negative");
    }

    /// <summary>
    /// Resolved geometry for input shape <paramref name="x"/> and weight shape <paramref name="w"/>
    /// (full shapes): output spatial shape and the pads that trim the full transposed result.
    /// Pads computed from output_shape may be negative (the output then extends past the full result).
    /// </summary>
    public WindowGeometry Resolve(int[] x, int[] w)
    {
        if (x.Length < 3) throw Fail($"input X must have rank ≥ 3 (N, C, spatial...), got {ShapeUtil.Format(x)}");
        if (w.Length != x.Length) throw Fail($"weight W {ShapeUtil.Format(w)} must have the same rank as X {ShapeUtil.Format(x)}");
        int rank = x.Length - 2;
        CheckRank(rank);
        var input = x[2..];
        var kernel = w[2..];
        if (KernelShape.Length > 0 && !KernelShape.SequenceEqual(kernel))
            throw Fail($"kernel_shape {Show(KernelShape)} does not match weight spatial dims {ShapeUtil.Format(kernel)}");
        if (OutputPadding.Length != 0 && OutputPadding.Length != rank)
            throw Fail($"output_padding has {OutputPadding.Length} axes but the input has {rank} spatial axes");
        int[]? requested = OutputShape.Length switch
        {
            0 => null,
            var n when n == rank => OutputShape,
            var n when n == rank + 2 => OutputShape[2..],
            var n => throw Fail($"output_shape has {n} dims but the input has {rank} spatial axes"),
        };

        var strides = OrDefault(Strides, rank, 1);
        var dilations = OrDefault(Dilations, rank, 1);
        var outPad = OrDefault(OutputPadding, rank, 0);
        var begin = OrDefault(PadsBegin, rank, 0);
        var end = OrDefault(PadsEnd, rank, 0);
        var output = new int[rank];
        for (int i = 0; i < rank; i++)
        {
            long full = (long)strides[i] * (input[i] - 1) + outPad[i] + (long)(kernel[i] - 1) * dilations[i] + 1;
            long target;
            if (requested is not null) target = requested[i];
            else if (AutoPad is AutoPad.SameUpper or AutoPad.SameLower) target = (long)input[i] * strides[i];
            else
            {
                if (AutoPad == AutoPad.Valid) begin[i] = end[i] = 0;
                target = full - begin[i] - end[i];
                if (target < 0) throw Fail($"pads {begin[i]}+{end[i]} on spatial axis {i} exceed the transposed extent {full}");
                if (target > int.MaxValue) throw Fail($"output extent {target} on spatial axis {i} is too large");
                output[i] = (int)target;
                continue;
            }
            if (target > int.MaxValue) throw Fail($"output extent {target} on spatial axis {i} is too large");
            // Pads follow from the wanted size; an odd pixel goes to the end for SAME_UPPER, to the
            // beginning otherwise (floor division, as the spec's Python, so negative totals work too).
            long total = full - target;
            long half = (long)Math.Floor(total / 2.0);
            (begin[i], end[i]) = AutoPad == AutoPad.SameUpper ? ((int)half, (int)(total - half)) : ((int)(total - half), (int)half);
            output[i] = (int)target;
        }
        return new WindowGeometry(input, output, kernel, strides, dilations, begin, end);
    }

    /// <inheritdoc/>
    public override TensorInfo[] InferOutputs(IReadOnlyList<TensorInfo?> inputs)
    {
        ExpectInputs(inputs, 2, 3);
        var x = Input(inputs, 0);
        var w = Input(inputs, 1);
        var b = Optional(inputs, 2);
        ExpectType(x, "input X", DataType.Float32, DataType.Float64);
        if (w.Type != x.Type) throw Fail($"weight W type {w.Type.Name()} differs from X type {x.Type.Name()}");
        // A kernel axis of extent 0 has no taps: no convolution is defined, and kernels would pack empty operands.
        if (w.Shape.Length > 2 && w.Shape.Skip(2).Any(d => d < 1))
            throw Fail($"weight W {ShapeUtil.Format(w.Shape)} has an empty kernel axis");
        var g = Resolve(x.Shape, w.Shape);
        int c = x.Shape[1];
        if (w.Shape[0] != c) throw Fail($"X has {c} channels but W {ShapeUtil.Format(w.Shape)} expects {w.Shape[0]}");
        if (c % Group != 0) throw Fail($"input channels {c} are not divisible by group {Group}");
        int m = w.Shape[1] * Group;
        if (b is not null)
        {
            if (b.Type != x.Type) throw Fail($"bias B type {b.Type.Name()} differs from X type {x.Type.Name()}");
            if (b.Shape.Length != 1 || b.Shape[0] != m) throw Fail($"bias B must have shape [{m}], got {ShapeUtil.Format(b.Shape)}");
        }
        return [new TensorInfo(x.Type, [x.Shape[0], m, .. g.OutputSpatial])];
    }

    /// <summary>2 · N · C · (input plane) · (M/group) · (kernel taps): each input cell scatters into a window.</summary>
    public override long Flops(IReadOnlyList<TensorInfo?> inputs, IReadOnlyList<TensorInfo> outputs)
    {
        var x = inputs[0]!.Shape;
        var w = inputs[1]!.Shape;
        long n = 1;
        foreach (int d in x) n *= d;
        for (int i = 1; i < w.Length; i++) n *= w[i];
        return 2 * n;
    }
}
