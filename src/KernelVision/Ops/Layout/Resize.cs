using KernelVision.Graph;
using KernelVision.Tensors;

namespace KernelVision.Ops.Layout;

/// <summary>How Resize/Upsample compute an output value from the input around the sampling point.</summary>
public enum ResizeMode
{
    /// <summary>Copy the nearest input element (rounding per <see cref="ResizeNearestMode"/>).</summary>
    Nearest,
    /// <summary>N-linear interpolation over every resized axis.</summary>
    Linear,
    /// <summary>Keys cubic convolution with coefficient <see cref="ResizeSampling.CubicCoeffA"/>.</summary>
    Cubic,
}

/// <summary>How mode "nearest" turns a fractional source coordinate into an index.</summary>
public enum ResizeNearestMode
{
    /// <summary>Round half down (ONNX default).</summary>
    RoundPreferFloor,
    /// <summary>Round half up.</summary>
    RoundPreferCeil,
    /// <summary>Always floor.</summary>
    Floor,
    /// <summary>Always ceil.</summary>
    Ceil,
    /// <summary>
    /// The rule of Upsample and opset-10 Resize, which had no nearest_mode: floor when upsampling, ceil when
    /// downsampling (what onnxruntime does, and what the opset-10 test data expect).
    /// </summary>
    Legacy,
}

/// <summary>How an output coordinate maps back to a coordinate in the input (ONNX coordinate_transformation_mode).</summary>
public enum ResizeCoordinateMode
{
    /// <summary>(x + 0.5) / scale - 0.5.</summary>
    HalfPixel,
    /// <summary>half_pixel with the image centres aligned when the output length was rounded down.</summary>
    HalfPixelSymmetric,
    /// <summary>half_pixel, except 0 when the output length is 1 (PyTorch's rule).</summary>
    PytorchHalfPixel,
    /// <summary>x · (in - 1) / (out - 1): corner pixels of input and output coincide.</summary>
    AlignCorners,
    /// <summary>x / scale.</summary>
    Asymmetric,
    /// <summary>Samples the region of interest given by the roi input; points outside the input take the extrapolation value.</summary>
    TfCropAndResize,
    /// <summary>(x + 0.5) / scale (opset 11-12 only).</summary>
    TfHalfPixelForNn,
}

/// <summary>How Resize's sizes input is honoured when it would change the aspect ratio (opset 18).</summary>
public enum ResizeAspectPolicy
{
    /// <summary>Each axis takes its size from sizes; the aspect ratio may change.</summary>
    Stretch,
    /// <summary>One scale for all listed axes, the largest that keeps every axis within its size.</summary>
    NotLarger,
    /// <summary>One scale for all listed axes, the smallest that makes every axis at least its size.</summary>
    NotSmaller,
}

/// <summary>The sampling rule of a Resize/Upsample node: everything from its attributes that shapes the maths.</summary>
public sealed record ResizeSampling(
    ResizeMode Mode,
    ResizeCoordinateMode CoordinateMode,
    ResizeNearestMode NearestMode,
    float CubicCoeffA = -0.75f,
    bool ExcludeOutside = false,
    bool Antialias = false,
    float ExtrapolationValue = 0f);

/// <summary>
/// The sampling taps of one axis: output position <c>x</c> reads input indices
/// <c>Indices[x*TapCount + k]</c> with weights <c>Weights[x*TapCount + k]</c>, k &lt; TapCount. Indices are
/// already clamped into the input (edge replication). Where <c>Outside[x]</c> is set (tf_crop_and_resize
/// points beyond the input) the output takes the extrapolation value instead.
/// </summary>
public sealed class ResizeAxisTaps(int tapCount, int[] indices, double[] weights, bool[] outside)
{
    /// <summary>Taps per output position.</summary>
    public int TapCount { get; } = tapCount;
    /// <summary>Input indices, TapCount per output position.</summary>
    public int[] Indices { get; } = indices;
    /// <summary>Weights, TapCount per output position; they sum to 1.</summary>
    public double[] Weights { get; } = weights;
    /// <summary>Output positions that take the extrapolation value.</summary>
    public bool[] Outside { get; } = outside;
}

/// <summary>
/// One concrete resize: the sampling rule plus per-axis geometry (scales, output lengths, roi). Built from the
/// node's inputs by <c>Resize.Plan</c> or <c>Upsample.Plan</c>; every backend derives its
/// sampling positions from <see cref="Taps"/>, so they all agree on the coordinate maths.
/// </summary>
public sealed class ResizePlan
{
    /// <summary>The sampling rule.</summary>
    public ResizeSampling Sampling { get; }
    /// <summary>Shape of X.</summary>
    public int[] InputShape { get; }
    /// <summary>Shape of Y.</summary>
    public int[] OutputShape { get; }
    /// <summary>Per-axis scale used in the coordinate maths (output / input; 1 for axes not resized).</summary>
    public double[] Scales { get; }
    /// <summary>
    /// Per-axis output length before rounding: scale · input length. It differs from the integer output length when
    /// scales were given, and ONNX's align_corners / tf_crop_and_resize / half_pixel_symmetric formulas use it.
    /// </summary>
    public double[] ResizedLengths { get; }
    /// <summary>Region of interest per axis (starts then ends, normalised coordinates); null unless tf_crop_and_resize.</summary>
    public double[]? Roi { get; }

    /// <summary>Creates the plan; arrays are per axis of X (roi: 2·rank).</summary>
    public ResizePlan(ResizeSampling sampling, int[] inputShape, int[] outputShape, double[] scales, double[] resizedLengths, double[]? roi)
    {
        Sampling = sampling;
        InputShape = inputShape;
        OutputShape = outputShape;
        Scales = scales;
        ResizedLengths = resizedLengths;
        Roi = roi;
    }

    /// <summary>
    /// The input coordinate that output position <paramref name="x"/> of <paramref name="axis"/> samples,
    /// per the ONNX coordinate_transformation_mode formulas.
    /// </summary>
    public double SourceCoordinate(int axis, int x)
    {
        double scale = Scales[axis];
        double lengthIn = InputShape[axis];
        double lengthResized = ResizedLengths[axis];
        switch (Sampling.CoordinateMode)
        {
            case ResizeCoordinateMode.HalfPixel:
                return (x + 0.5) / scale - 0.5;
            case ResizeCoordinateMode.HalfPixelSymmetric:
            {
                // Shift so the centre of the (unrounded) resized extent maps to the centre of the input.
                double adjustment = OutputShape[axis] / lengthResized;
                double offset = lengthIn / 2 * (1 - adjustment);
                return offset + (x + 0.5) / scale - 0.5;
            }
            case ResizeCoordinateMode.PytorchHalfPixel:
                return OutputShape[axis] > 1 ? (x + 0.5) / scale - 0.5 : 0;
            case ResizeCoordinateMode.AlignCorners:
                return lengthResized == 1 ? 0 : x * (lengthIn - 1) / (lengthResized - 1);
            case ResizeCoordinateMode.Asymmetric:
                return x / scale;
            case ResizeCoordinateMode.TfHalfPixelForNn:
                return (x + 0.5) / scale;
            case ResizeCoordinateMode.TfCropAndResize:
            {
                double start = Roi![axis], end = Roi[InputShape.Length + axis];
                double rel = lengthResized == 1
                    ? (end - start) * (lengthIn - 1) / 2
                    : x * (end - start) * (lengthIn - 1) / (lengthResized - 1);
                return rel + start * (lengthIn - 1);
            }
            default:
                throw new InvalidOperationException($"unknown coordinate mode {Sampling.CoordinateMode}");
        }
    }

    /// <summary>Sampling taps of <paramref name="axis"/>: which input indices each output position reads, with what weights.</summary>
    public ResizeAxisTaps Taps(int axis)
    {
        int lengthIn = InputShape[axis], lengthOut = OutputShape[axis];
        double scale = Scales[axis];
        var s = Sampling;

        // Offsets (relative to floor of the source coordinate) that can carry weight.
        int first, count;
        switch (s.Mode)
        {
            case ResizeMode.Nearest:
                first = 0; count = 1;
                break;
            case ResizeMode.Linear:
                // The tent filter is stretched by 1/scale when antialiasing a downscale.
                first = s.Antialias && scale < 1 ? (int)Math.Floor(-1 / scale) + 1 : 0;
                count = 2 - 2 * first;
                break;
            default:
                first = s.Antialias && scale < 1 ? (int)Math.Floor(-2 / scale) + 1 : -1;
                count = 2 - 2 * first;
                break;
        }

        var indices = new int[lengthOut * count];
        var weights = new double[lengthOut * count];
        var outside = new bool[lengthOut];
        for (int x = 0; x < lengthOut; x++)
        {
            double src = SourceCoordinate(axis, x);
            if (s.CoordinateMode == ResizeCoordinateMode.TfCropAndResize && (src < 0 || src > lengthIn - 1))
            {
                outside[x] = true;
                for (int k = 0; k < count; k++) indices[x * count + k] = 0;
                continue;
            }
            int o = x * count;
            if (s.Mode == ResizeMode.Nearest)
            {
                indices[o] = Clamp(NearestIndex(src, scale), lengthIn);
                weights[o] = 1;
                continue;
            }

            double floor = Math.Floor(src);
            double ratio = src - floor;
            int baseIndex = (int)floor;
            double sum = 0;
            for (int k = 0; k < count; k++)
            {
                int offset = first + k;
                double distance = offset - ratio; // signed distance from the sample point, in input pixels
                double w = s.Mode == ResizeMode.Linear
                    ? LinearWeight(s.Antialias && scale < 1 ? distance * scale : distance)
                    : CubicWeight(s.Antialias && scale < 1 ? distance * scale : distance, s.CubicCoeffA);
                weights[o + k] = w;
                sum += w;
            }
            // Antialiased filters do not sum to one by construction; plain linear/cubic do, so this is a no-op there.
            for (int k = 0; k < count; k++) weights[o + k] /= sum;

            if (s.ExcludeOutside)
            {
                double inside = 0;
                for (int k = 0; k < count; k++)
                {
                    int idx = baseIndex + first + k;
                    if (idx >= 0 && idx < lengthIn) inside += weights[o + k];
                }
                // With every tap outside the input the renormalisation is undefined; keep edge replication then.
                if (inside != 0)
                {
                    for (int k = 0; k < count; k++)
                    {
                        int idx = baseIndex + first + k;
                        weights[o + k] = idx >= 0 && idx < lengthIn ? weights[o + k] / inside : 0;
                    }
                }
            }
            for (int k = 0; k < count; k++) indices[o + k] = Clamp(baseIndex + first + k, lengthIn);
        }
        return new ResizeAxisTaps(count, indices, weights, outside);
    }

    private int NearestIndex(double src, double scale)
    {
        double floor = Math.Floor(src);
        if (floor == src) return (int)floor;
        double ratio = src - floor;
        bool up = Sampling.NearestMode switch
        {
            ResizeNearestMode.RoundPreferFloor => ratio > 0.5,
            ResizeNearestMode.RoundPreferCeil => ratio >= 0.5,
            ResizeNearestMode.Floor => false,
            ResizeNearestMode.Ceil => true,
            _ => scale < 1,
        };
        return (int)floor + (up ? 1 : 0);
    }

    private static int Clamp(int i, int length) => i < 0 ? 0 : i >= length ? length - 1 : i;

    /// <summary>Tent filter: 1 - |d| inside (-1, 1), else 0.</summary>
    public static double LinearWeight(double d) => Math.Max(0, 1 - Math.Abs(d));

    /// <summary>Keys cubic convolution kernel with coefficient <paramref name="a"/>.</summary>
    public static double CubicWeight(double d, double a)
    {
        d = Math.Abs(d);
        if (d <= 1) return ((a + 2) * d - (a + 3)) * d * d + 1;
        if (d < 2) return ((a * d - 5 * a) * d + 8 * a) * d - 4 * a;
        return 0;
    }

    /// <summary>Floating-point operations of one run (multiply-add = 2) for the separable passes.</summary>
    public long Flops()
    {
        if (Sampling.Mode == ResizeMode.Nearest) return 0;
        long total = 0;
        var shape = (int[])InputShape.Clone();
        for (int d = 0; d < shape.Length; d++)
        {
            if (shape[d] == OutputShape[d] && Scales[d] == 1) continue;
            shape[d] = OutputShape[d];
            double scale = Scales[d];
            int taps = Sampling.Mode == ResizeMode.Linear ? 2 : 4;
            if (Sampling.Antialias && scale < 1) taps = (int)Math.Ceiling(taps / scale);
            long elements = 1;
            foreach (int n in shape) elements *= n;
            total += 2 * elements * taps;
        }
        return total;
    }
}

/// <summary>
/// Resize (opsets 10, 11, 13, 18, 19): nearest / N-linear / cubic resampling with ONNX's coordinate
/// transformation modes, tf_crop_and_resize with roi, antialiasing, axes and keep_aspect_ratio_policy.
/// Inputs: X, roi, scales, sizes (opset 10: X, scales). Exactly one of scales and sizes is given;
/// an empty tensor counts as omitted (opset 11 made roi and scales positional placeholders).
/// </summary>
[OnnxOp("Resize")]
public sealed class Resize : Op
{
    /// <summary>The sampling rule from the attributes.</summary>
    public ResizeSampling Sampling { get; }

    /// <summary>Axes that scales/sizes/roi refer to (opset 18) as the attribute gives them (negative values count from the end); null means all axes.</summary>
    public long[]? Axes => _axesAttr;

    private readonly long[]? _axesAttr;

    /// <summary>How sizes is honoured (opset 18).</summary>
    public ResizeAspectPolicy AspectPolicy { get; }

    /// <summary>Parses and validates the attributes.</summary>
    public Resize(Node node, int opset) : base(node, opset)
    {
        string modeName = Attributes.GetString("mode", "nearest");
        var mode = modeName switch
        {
            "nearest" => ResizeMode.Nearest,
            "linear" => ResizeMode.Linear,
            "cubic" when opset >= 11 => ResizeMode.Cubic,
            _ => throw Unsupported($"mode '{modeName}' is not supported"),
        };

        ResizeCoordinateMode coord;
        ResizeNearestMode nearest;
        if (opset < 11)
        {
            // Opset 10 has neither attribute: it behaves as Upsample does.
            coord = ResizeCoordinateMode.Asymmetric;
            nearest = ResizeNearestMode.Legacy;
        }
        else
        {
            string coordName = Attributes.GetString("coordinate_transformation_mode", "half_pixel");
            coord = coordName switch
            {
                "half_pixel" => ResizeCoordinateMode.HalfPixel,
                "half_pixel_symmetric" => ResizeCoordinateMode.HalfPixelSymmetric,
                "pytorch_half_pixel" => ResizeCoordinateMode.PytorchHalfPixel,
                "align_corners" => ResizeCoordinateMode.AlignCorners,
                "asymmetric" => ResizeCoordinateMode.Asymmetric,
                "tf_crop_and_resize" => ResizeCoordinateMode.TfCropAndResize,
                "tf_half_pixel_for_nn" => ResizeCoordinateMode.TfHalfPixelForNn,
                _ => throw Unsupported($"coordinate_transformation_mode '{coordName}' is not supported"),
            };
            string nearestName = Attributes.GetString("nearest_mode", "round_prefer_floor");
            nearest = nearestName switch
            {
                "round_prefer_floor" => ResizeNearestMode.RoundPreferFloor,
                "round_prefer_ceil" => ResizeNearestMode.RoundPreferCeil,
                "floor" => ResizeNearestMode.Floor,
                "ceil" => ResizeNearestMode.Ceil,
                _ => throw Unsupported($"nearest_mode '{nearestName}' is not supported"),
            };
        }

        long exclude = Attributes.GetInt("exclude_outside", 0);
        if (exclude is not (0 or 1)) throw Fail($"exclude_outside must be 0 or 1, got {exclude}");
        long antialias = Attributes.GetInt("antialias", 0);
        if (antialias is not (0 or 1)) throw Fail($"antialias must be 0 or 1, got {antialias}");
        float a = Attributes.GetFloat("cubic_coeff_a", -0.75f);
        if (!float.IsFinite(a)) throw Fail($"cubic_coeff_a must be finite, got {a}");

        Sampling = new ResizeSampling(mode, coord, nearest, a, exclude == 1,
            // Antialiasing is defined for the linear and cubic filters only; nearest ignores it.
            antialias == 1 && mode != ResizeMode.Nearest,
            Attributes.GetFloat("extrapolation_value", 0f));

        string policy = Attributes.GetString("keep_aspect_ratio_policy", "stretch");
        AspectPolicy = policy switch
        {
            "stretch" => ResizeAspectPolicy.Stretch,
            "not_larger" => ResizeAspectPolicy.NotLarger,
            "not_smaller" => ResizeAspectPolicy.NotSmaller,
            _ => throw Unsupported($"keep_aspect_ratio_policy '{policy}' is not supported"),
        };

        _axesAttr = Attributes.GetInts("axes");
        if (_axesAttr is { Length: 0 }) _axesAttr = null;
    }

    /// <inheritdoc/>
    public override TensorInfo[] InferOutputs(IReadOnlyList<TensorInfo?> inputs)
    {
        ExpectInputs(inputs, Opset < 11 ? 2 : 1, Opset < 11 ? 2 : 4);
        var x = Input(inputs, 0);
        ExpectType(x, "input X", DataType.Float32, DataType.Float64, DataType.UInt8, DataType.Int8, DataType.UInt16,
            DataType.Int16, DataType.Int32, DataType.Int64, DataType.UInt32, DataType.UInt64);
        if (x.Type.IsInteger() && Sampling.Mode != ResizeMode.Nearest)
            throw Unsupported($"mode {Sampling.Mode.ToString().ToLowerInvariant()} on {x.Type.Name()} input is not supported (only nearest)");

        var (roiInfo, scalesInfo, sizesInfo) = Present(inputs);
        if (roiInfo is not null) ExpectType(roiInfo, "roi", DataType.Float32, DataType.Float64);
        if (scalesInfo is not null) ExpectType(scalesInfo, "scales", DataType.Float32, DataType.Float64);
        if (sizesInfo is not null) ExpectType(sizesInfo, "sizes", DataType.Int64);
        if (scalesInfo is not null && sizesInfo is not null) throw Fail("only one of scales and sizes may be given");
        if (scalesInfo is null && sizesInfo is null) throw Fail("one of scales and sizes must be given");
        if (Sampling.CoordinateMode == ResizeCoordinateMode.TfCropAndResize && roiInfo is null)
            throw Fail("coordinate_transformation_mode tf_crop_and_resize needs the roi input");

        // Only the values of scales/sizes decide the output shape; roi is read by the kernel.
        var plan = Plan(x.Shape, null,
            scalesInfo is null ? null : scalesInfo.Value ?? throw new ValueNotKnownException(),
            sizesInfo is null ? null : sizesInfo.Value ?? throw new ValueNotKnownException(),
            checkRoi: false);
        if (roiInfo is not null && Sampling.CoordinateMode == ResizeCoordinateMode.TfCropAndResize)
            CheckRoiLength(roiInfo.Shape, x.Shape.Length);
        return [new TensorInfo(x.Type, plan.OutputShape)];
    }

    /// <inheritdoc/>
    public override long Flops(IReadOnlyList<TensorInfo?> inputs, IReadOnlyList<TensorInfo> outputs)
    {
        var (_, scales, sizes) = Present(inputs);
        if (inputs.Count == 0 || inputs[0] is null || scales?.Value is null && sizes?.Value is null) return 0;
        return Plan(inputs[0]!.Shape, null, scales?.Value, sizes?.Value, checkRoi: false).Flops();
    }

    /// <summary>The roi, scales and sizes inputs, each null where omitted or empty.</summary>
    private (TensorInfo? Roi, TensorInfo? Scales, TensorInfo? Sizes) Present(IReadOnlyList<TensorInfo?> inputs)
    {
        static TensorInfo? NonEmpty(TensorInfo? t) => t is not null && ShapeUtil.Size(t.Shape) > 0 ? t : null;
        if (Opset < 11) return (null, NonEmpty(Optional(inputs, 1)), null);
        return (NonEmpty(Optional(inputs, 1)), NonEmpty(Optional(inputs, 2)), NonEmpty(Optional(inputs, 3)));
    }

    /// <summary>
    /// The plan for one run from the actual inputs (omitted or empty tensors as null): output shape, per-axis
    /// scales and the roi. Throws <see cref="GraphException"/> for inconsistent inputs.
    /// </summary>
    public ResizePlan Plan(int[] inputShape, Tensor? roi, Tensor? scales, Tensor? sizes) =>
        Plan(inputShape, roi is { Length: > 0 } ? roi : null, scales is { Length: > 0 } ? scales : null,
            sizes is { Length: > 0 } ? sizes : null, checkRoi: true);

    /// <summary>The plan for the run-time inputs of a Resize node (X, roi, scales, sizes as the node orders them).</summary>
    public ResizePlan Plan(IReadOnlyList<Tensor?> inputs)
    {
        Tensor? At(int i) => i < inputs.Count ? inputs[i] : null;
        return Opset < 11
            ? Plan(inputs[0]!.Shape, null, At(1), null)
            : Plan(inputs[0]!.Shape, At(1), At(2), At(3));
    }

    private ResizePlan Plan(int[] inputShape, Tensor? roi, Tensor? scales, Tensor? sizes, bool checkRoi)
    {
        int rank = inputShape.Length;
        if (rank == 0) throw Fail("input X must have rank ≥ 1");
        var axes = NormalizedAxes(rank);
        int n = axes.Length;
        if (scales is not null && sizes is not null) throw Fail("only one of scales and sizes may be given");
        if (scales is null && sizes is null) throw Fail("one of scales and sizes must be given");

        var scale = new double[rank];
        var outShape = (int[])inputShape.Clone();
        var lengths = new double[rank];
        for (int d = 0; d < rank; d++) { scale[d] = 1; lengths[d] = inputShape[d]; }

        if (scales is not null)
        {
            if (scales.Rank != 1 || scales.Length != n)
                throw Fail($"scales must be a 1-D tensor of {n} values ({(_axesAttr is null ? "rank of X" : "one per axis")}), got {scales.Describe()}");
            var values = scales.ToFloatArray();
            for (int i = 0; i < n; i++)
            {
                float v = values[i];
                if (!(v > 0) || !float.IsFinite(v)) throw Fail($"scales must be positive and finite, got {v} for axis {axes[i]}");
                int d = axes[i];
                // Output length is floor(length · scale) evaluated in float, as ONNX shape inference does.
                float product = inputShape[d] * v;
                if (product >= ShapeUtil.MaxElements) throw Fail($"scale {v} makes axis {d} too large");
                scale[d] = v;
                outShape[d] = (int)MathF.Floor(product);
                lengths[d] = inputShape[d] * (double)v;
            }
        }
        else
        {
            if (sizes!.Rank != 1 || sizes.Length != n)
                throw Fail($"sizes must be a 1-D tensor of {n} values ({(_axesAttr is null ? "rank of X" : "one per axis")}), got {sizes.Describe()}");
            var values = sizes.ToInt64Array();
            for (int i = 0; i < n; i++)
            {
                if (values[i] < 0 || values[i] > ShapeUtil.MaxElements) throw Fail($"sizes value {values[i]} for axis {axes[i]} is invalid");
                if (inputShape[axes[i]] == 0 && values[i] != 0) throw Fail($"cannot resize axis {axes[i]} of length 0 to {values[i]}");
                if (values[i] == 0 && AspectPolicy != ResizeAspectPolicy.Stretch) throw Fail($"sizes must be positive with keep_aspect_ratio_policy, got 0 for axis {axes[i]}");
            }
            if (AspectPolicy == ResizeAspectPolicy.Stretch)
            {
                for (int i = 0; i < n; i++)
                {
                    int d = axes[i];
                    outShape[d] = (int)values[i];
                    scale[d] = inputShape[d] == 0 ? 1 : (double)values[i] / inputShape[d];
                    lengths[d] = values[i];
                }
            }
            else
            {
                // One scale for all listed axes; each axis then rounds scale · length half up.
                double s = AspectPolicy == ResizeAspectPolicy.NotLarger ? double.MaxValue : double.MinValue;
                for (int i = 0; i < n; i++)
                {
                    double r = (double)values[i] / inputShape[axes[i]];
                    s = AspectPolicy == ResizeAspectPolicy.NotLarger ? Math.Min(s, r) : Math.Max(s, r);
                }
                for (int i = 0; i < n; i++)
                {
                    int d = axes[i];
                    double len = s * inputShape[d];
                    if (len + 0.5 >= ShapeUtil.MaxElements) throw Fail($"axis {d} would become too large");
                    outShape[d] = (int)Math.Floor(len + 0.5);
                    scale[d] = s;
                    lengths[d] = len;
                }
            }
        }
        ShapeUtil.Size(outShape); // rejects outputs too large to index

        double[]? fullRoi = null;
        if (Sampling.CoordinateMode == ResizeCoordinateMode.TfCropAndResize && checkRoi)
        {
            if (roi is null) throw Fail("coordinate_transformation_mode tf_crop_and_resize needs the roi input");
            CheckRoiLength(roi.Shape, rank);
            fullRoi = new double[2 * rank];
            for (int d = 0; d < rank; d++) { fullRoi[d] = 0; fullRoi[rank + d] = 1; }
            for (int i = 0; i < n; i++)
            {
                fullRoi[axes[i]] = roi.GetDouble(i);
                fullRoi[rank + axes[i]] = roi.GetDouble(n + i);
            }
        }
        return new ResizePlan(Sampling, inputShape, outShape, scale, lengths, fullRoi);
    }

    private void CheckRoiLength(int[] roiShape, int rank)
    {
        int n = _axesAttr?.Length ?? rank;
        if (roiShape.Length != 1 || roiShape[0] != 2 * n)
            throw Fail($"roi must be a 1-D tensor of {2 * n} values (starts then ends), got shape {ShapeUtil.Format(roiShape)}");
    }

    private int[] NormalizedAxes(int rank)
    {
        if (_axesAttr is null) return Enumerable.Range(0, rank).ToArray();
        var axes = new int[_axesAttr.Length];
        var seen = new bool[rank];
        for (int i = 0; i < axes.Length; i++)
        {
            axes[i] = NormalizeAxis(_axesAttr[i], rank);
            if (seen[axes[i]]) throw Fail($"axis {_axesAttr[i]} is repeated in axes");
            seen[axes[i]] = true;
        }
        return axes;
    }
}
