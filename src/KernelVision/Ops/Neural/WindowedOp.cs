using KernelVision.Graph;

namespace KernelVision.Ops.Neural;

/// <summary>How ONNX's <c>auto_pad</c> attribute chooses the padding of a sliding-window op.</summary>
public enum AutoPad
{
    /// <summary>Use the explicit <c>pads</c> attribute (default).</summary>
    NotSet,
    /// <summary>Pad so that output = ceil(input / stride); an odd extra pixel goes at the end.</summary>
    SameUpper,
    /// <summary>Pad so that output = ceil(input / stride); an odd extra pixel goes at the beginning.</summary>
    SameLower,
    /// <summary>No padding.</summary>
    Valid,
}

/// <summary>
/// The geometry of a sliding-window op (Conv, ConvTranspose, pools) resolved for one input shape:
/// per spatial axis, the kernel extent, stride, dilation, padding and the resulting output extent.
/// For ConvTranspose, <see cref="InputSpatial"/> is the op's input X and <see cref="OutputSpatial"/>
/// its (larger) output Y; the pads then trim Y as in the ONNX spec.
/// </summary>
public sealed record WindowGeometry(
    int[] InputSpatial, int[] OutputSpatial, int[] Kernel, int[] Strides, int[] Dilations, int[] PadsBegin, int[] PadsEnd)
{
    /// <summary>Number of spatial axes.</summary>
    public int Rank => Kernel.Length;

    /// <summary>Span of the dilated kernel along <paramref name="axis"/>: (k-1)·d+1.</summary>
    public int EffectiveKernel(int axis) => (Kernel[axis] - 1) * Dilations[axis] + 1;

    /// <summary>Elements in one input plane (product of input spatial dims).</summary>
    public int InputSize => Tensors.ShapeUtil.Size(InputSpatial);

    /// <summary>Elements in one output plane.</summary>
    public int OutputSize => Tensors.ShapeUtil.Size(OutputSpatial);

    /// <summary>Taps in one kernel window (product of kernel dims).</summary>
    public int KernelSize => Tensors.ShapeUtil.Size(Kernel);
}

/// <summary>
/// Base of ops with a sliding window: parses and validates <c>kernel_shape</c>, <c>strides</c>,
/// <c>pads</c>, <c>dilations</c> and <c>auto_pad</c> once. Absent attributes are stored as empty
/// arrays (their defaults depend on the spatial rank, known only from the input shape); call the
/// op's <c>Resolve</c> to get the full per-axis geometry for a concrete input.
/// </summary>
public abstract class WindowedOp : Op
{
    /// <summary>The auto_pad mode.</summary>
    public AutoPad AutoPad { get; }

    /// <summary>kernel_shape as given; empty when absent.</summary>
    public int[] KernelShape { get; }

    /// <summary>strides as given; empty when absent (all 1).</summary>
    public int[] Strides { get; }

    /// <summary>dilations as given; empty when absent (all 1).</summary>
    public int[] Dilations { get; }

    /// <summary>Begin pads (first half of <c>pads</c>); empty when absent (all 0).</summary>
    public int[] PadsBegin { get; }

    /// <summary>End pads (second half of <c>pads</c>); empty when absent (all 0).</summary>
    public int[] PadsEnd { get; }

    /// <summary>Parses the window attributes shared by all sliding-window ops.</summary>
    protected WindowedOp(Node node, int opset) : base(node, opset)
    {
        AutoPad = Attributes.GetString("auto_pad", "NOTSET") switch
        {
            "NOTSET" or "" => AutoPad.NotSet,
            "SAME_UPPER" => AutoPad.SameUpper,
            "SAME_LOWER" => AutoPad.SameLower,
            "VALID" => AutoPad.Valid,
            var s => throw Fail($"auto_pad '{s}' is not one of NOTSET, SAME_UPPER, SAME_LOWER, VALID"),
        };
        KernelShape = Attributes.GetIntArray("kernel_shape") ?? [];
        Strides = Attributes.GetIntArray("strides") ?? [];
        Dilations = Attributes.GetIntArray("dilations") ?? [];
        var pads = Attributes.GetIntArray("pads") ?? [];

        if (KernelShape.Any(k => k <= 0)) throw Fail($"kernel_shape {Show(KernelShape)} must be positive");
        if (Strides.Any(s => s <= 0)) throw Fail($"strides {Show(Strides)} must be positive");
        if (Dilations.Any(d => d <= 0)) throw Fail($"dilations {Show(Dilations)} must be positive");
        if (pads.Length % 2 != 0) throw Fail($"pads {Show(pads)} must have an even length (begin and end per axis)");
        if (pads.Any(p => p < 0)) throw Fail($"pads {Show(pads)} must not be negative");
        if (AutoPad != AutoPad.NotSet && pads.Any(p => p != 0))
            throw Fail($"pads {Show(pads)} cannot be combined with auto_pad {Attributes.GetString("auto_pad", "")}");
        PadsBegin = pads[..(pads.Length / 2)];
        PadsEnd = pads[(pads.Length / 2)..];

        // Every attribute that is given must agree on the number of spatial axes.
        int rank = -1;
        foreach (var (name, len) in new[] { ("kernel_shape", KernelShape.Length), ("strides", Strides.Length),
                     ("dilations", Dilations.Length), ("pads/2", PadsBegin.Length) })
        {
            if (len == 0) continue;
            if (rank >= 0 && len != rank) throw Fail($"{name} has {len} spatial axes but other window attributes have {rank}");
            rank = len;
        }
    }

    /// <summary>"[1,2,3]" for messages.</summary>
    protected static string Show(int[] v) => "[" + string.Join(",", v) + "]";

    /// <summary>Checks that every given window attribute has <paramref name="rank"/> axes.</summary>
    protected void CheckRank(int rank)
    {
        if (rank < 1) throw Fail("input needs at least one spatial axis (rank ≥ 3: N, C, D1, ...)");
        foreach (var (name, len) in new[] { ("kernel_shape", KernelShape.Length), ("strides", Strides.Length),
                     ("dilations", Dilations.Length), ("pads", PadsBegin.Length) })
        {
            if (len != 0 && len != rank)
                throw Fail($"{name} has {len} spatial axes but the input has {rank}");
        }
    }

    /// <summary><paramref name="given"/>, or <paramref name="rank"/> copies of <paramref name="fallback"/> when empty.</summary>
    protected static int[] OrDefault(int[] given, int rank, int fallback) =>
        given.Length > 0 ? (int[])given.Clone() : Enumerable.Repeat(fallback, rank).ToArray();

    /// <summary>
    /// Forward (Conv/pool) geometry: output extent per axis from input extent, kernel, strides,
    /// dilations and padding (explicit or auto_pad). With <paramref name="ceilMode"/> the last partial
    /// window counts, unless it would start beyond the input and begin padding (ONNX/PyTorch rule).
    /// </summary>
    protected WindowGeometry ResolveForward(int[] inputSpatial, int[] kernel, bool ceilMode)
    {
        int rank = inputSpatial.Length;
        var strides = OrDefault(Strides, rank, 1);
        var dilations = OrDefault(Dilations, rank, 1);
        var begin = OrDefault(PadsBegin, rank, 0);
        var end = OrDefault(PadsEnd, rank, 0);
        var output = new int[rank];
        for (int i = 0; i < rank; i++)
        {
            int input = inputSpatial[i], s = strides[i];
            long effective = (long)(kernel[i] - 1) * dilations[i] + 1;
            if (AutoPad is AutoPad.SameUpper or AutoPad.SameLower)
            {
                // Output covers ceil(in / stride) windows; pad just enough for the last one.
                output[i] = (int)((input + (long)s - 1) / s);
                long total = Math.Max(0, (output[i] - 1L) * s + effective - input);
                int small = (int)(total / 2), large = (int)(total - total / 2);
                (begin[i], end[i]) = AutoPad == AutoPad.SameUpper ? (small, large) : (large, small);
                continue;
            }
            if (AutoPad == AutoPad.Valid) begin[i] = end[i] = 0;
            long span = (long)input + begin[i] + end[i] - effective;
            if (span < 0)
                throw Fail($"kernel extent {effective} on spatial axis {i} exceeds the padded input extent {(long)input + begin[i] + end[i]}");
            long count = ceilMode ? (span + s - 1) / s + 1 : span / s + 1;
            // A ceil-mode window must start inside the input or its begin padding.
            if (ceilMode && (count - 1) * s >= (long)input + begin[i]) count--;
            if (count > int.MaxValue) throw Fail($"output extent {count} on spatial axis {i} is too large");
            output[i] = (int)count;
        }
        return new WindowGeometry((int[])inputSpatial.Clone(), output, (int[])kernel.Clone(), strides, dilations, begin, end);
    }
}
