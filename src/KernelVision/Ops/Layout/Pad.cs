using KernelVision.Graph;
using KernelVision.Tensors;

namespace KernelVision.Ops.Layout;

/// <summary>How <see cref="Pad"/> fills the border.</summary>
public enum PadMode
{
    /// <summary>A constant value.</summary>
    Constant,
    /// <summary>Mirror without repeating the edge element (numpy 'reflect').</summary>
    Reflect,
    /// <summary>Repeat the edge element.</summary>
    Edge,
    /// <summary>Wrap around to the other side.</summary>
    Wrap,
}

/// <summary>
/// Pad: adds (or, with negative pads, removes) elements at the start and end of each axis.
/// pads = [x1_begin, x2_begin, ..., x1_end, x2_end, ...]. Before opset 11 pads and the constant
/// are attributes ('pads'/'paddings', 'value'); from 11 they are inputs, and from 18 an optional
/// 'axes' input says which axes pads covers. Negative pads crop first; the positive ones then pad
/// the cropped tensor.
/// </summary>
[OnnxOp("Pad")]
public sealed class Pad : Op
{
    /// <summary>Border mode.</summary>
    public PadMode Mode { get; }

    /// <summary>The 'pads' attribute (opset &lt; 11), else null.</summary>
    public long[]? PadsAttribute { get; }

    /// <summary>The 'value' attribute (opset &lt; 11; default 0).</summary>
    public float ValueAttribute { get; }

    /// <summary>Parses 'mode' and, before opset 11, 'pads' and 'value'.</summary>
    public Pad(Node node, int opset) : base(node, opset)
    {
        string mode = Attributes.GetString("mode", "constant");
        Mode = mode switch
        {
            "constant" => PadMode.Constant,
            "reflect" => PadMode.Reflect,
            "edge" => PadMode.Edge,
            "wrap" => PadMode.Wrap,
            _ => throw Fail($"unknown mode '{mode}' (expected constant, reflect, edge or wrap)"),
        };
        if (opset < 11)
        {
            PadsAttribute = Attributes.GetInts("pads") ?? Attributes.GetInts("paddings")
                ?? throw Fail("required attribute 'pads' is missing");
            ValueAttribute = Attributes.GetFloat("value", 0f);
        }
    }

    /// <summary>
    /// Per-axis (begin, end) pads for an input of <paramref name="shape"/>, full rank. The tensors are
    /// inputs 1 and 3 (opset 11+), ignored before.
    /// </summary>
    public (long[] Begin, long[] End) Resolve(int[] shape, Tensor? pads, Tensor? axes)
    {
        int rank = shape.Length;
        long[] p = PadsAttribute ?? LayoutUtil.Ints(Node, pads ?? throw Fail("input 1 (pads) is required"), "pads");
        int[] axisList = axes is null || Opset < 18
            ? Enumerable.Range(0, rank).ToArray()
            : LayoutUtil.Axes(Node, LayoutUtil.Ints(Node, axes, "axes"), rank);
        if (p.Length != 2 * axisList.Length)
            throw Fail($"pads {LayoutUtil.Format(p)} should have {2 * axisList.Length} entries for {(axes is null ? "an input of rank " + rank : axisList.Length + " axes")}");
        var begin = new long[rank];
        var end = new long[rank];
        for (int i = 0; i < axisList.Length; i++)
        {
            begin[axisList[i]] = p[i];
            end[axisList[i]] = p[i + axisList.Length];
        }
        for (int d = 0; d < rank; d++)
        {
            long kept = shape[d] + Math.Min(begin[d], 0) + Math.Min(end[d], 0);
            if (kept < 0 || shape[d] + begin[d] + end[d] < 0)
                throw Fail($"pads {LayoutUtil.Format(p)} remove more than axis {d} of {ShapeUtil.Format(shape)} holds");
            if (Mode != PadMode.Constant && kept == 0 && (begin[d] > 0 || end[d] > 0))
                throw Fail($"cannot {Mode.ToString().ToLowerInvariant()}-pad axis {d}: it has no elements to copy");
        }
        return (begin, end);
    }

    /// <summary>Output shape for the given pads.</summary>
    public int[] OutputShape(int[] shape, long[] begin, long[] end)
    {
        var o = new int[shape.Length];
        for (int d = 0; d < o.Length; d++) o[d] = LayoutUtil.Dim(Node, shape[d] + begin[d] + end[d]);
        return LayoutUtil.CheckShape(Node, o);
    }

    /// <summary>
    /// The input coordinate that output coordinate <paramref name="o"/> copies on one axis, or -1 for
    /// "constant". <paramref name="first"/> and <paramref name="count"/> are the part of the axis kept
    /// after cropping; <paramref name="pad"/> is the (positive) begin pad.
    /// </summary>
    public int SourceIndex(long o, int first, int count, long pad)
    {
        long i = o - pad; // position within the kept part
        if (i >= 0 && i < count) return (int)(first + i);
        switch (Mode)
        {
            case PadMode.Edge:
                return (int)(first + (i < 0 ? 0 : count - 1));
            case PadMode.Wrap:
                return (int)(first + ((i % count) + count) % count);
            case PadMode.Reflect:
                if (count == 1) return first;
                long period = 2L * (count - 1);
                long m = ((i % period) + period) % period;
                return (int)(first + (m < count ? m : period - m));
            default:
                return -1;
        }
    }

    /// <inheritdoc/>
    public override TensorInfo[] InferOutputs(IReadOnlyList<TensorInfo?> inputs)
    {
        ExpectInputs(inputs, 1, Opset < 11 ? 1 : Opset < 18 ? 3 : 4);
        var x = Input(inputs, 0);
        var constant = Optional(inputs, 2);
        if (constant is not null)
        {
            if (constant.Type != x.Type) throw Fail($"constant_value is {constant} but the data is {x}");
            if (ShapeUtil.Size(constant.Shape) > 1) throw Fail($"constant_value must be a scalar, got {constant}");
        }
        var (begin, end) = Opset < 11
            ? Resolve(x.Shape, null, null)
            : Resolve(x.Shape, RequireValue(inputs, 1), LayoutUtil.OptionalValue(inputs, 3));
        return [new TensorInfo(x.Type, OutputShape(x.Shape, begin, end))];
    }
}
