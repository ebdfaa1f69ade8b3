using KernelVision.Graph;
using KernelVision.Tensors;

namespace KernelVision.Ops.Elementwise;

/// <summary>The arithmetic <see cref="BinaryOp"/> covers.</summary>
public enum BinaryKind
{
    /// <summary>a + b.</summary>
    Add,
    /// <summary>a − b.</summary>
    Sub,
    /// <summary>a · b.</summary>
    Mul,
    /// <summary>a / b (integers truncate toward zero).</summary>
    Div,
    /// <summary>a ^ b (result has a's type).</summary>
    Pow,
}

/// <summary>
/// Add, Sub, Mul, Div, Pow with numpy broadcasting (opset ≥ 7). Integer tensors (stored as long)
/// wrap to their own width. Pow's exponent may have another numeric type than its base; the result
/// has the base's type. Before opset 7 the ops broadcast only when 'broadcast'=1, and then align
/// B's dims with A's starting at 'axis' (default: B's dims match A's trailing dims), as Caffe2 did;
/// <see cref="AlignedShapeOfB"/> turns that into an ordinary numpy broadcast.
/// </summary>
[OnnxOp("Add")]
[OnnxOp("Sub")]
[OnnxOp("Mul")]
[OnnxOp("Div")]
[OnnxOp("Pow")]
public sealed class BinaryOp : Op
{
    /// <summary>Which arithmetic this node computes.</summary>
    public BinaryKind Kind { get; }

    /// <summary>True for opset &lt; 7, where broadcasting follows the 'broadcast'/'axis' attributes.</summary>
    public bool IsLegacy { get; }

    /// <summary>Legacy 'broadcast' attribute (opset &lt; 7): B may be smaller than A only when set.</summary>
    public bool LegacyBroadcast { get; }

    /// <summary>Legacy 'axis' attribute (opset &lt; 7): the first dim of A that B's first dim lines up with; null = trailing alignment.</summary>
    public long? LegacyAxis { get; }

    /// <summary>Parses the legacy attributes; 'consumed_inputs' (opset 1) is ignored.</summary>
    public BinaryOp(Node node, int opset) : base(node, opset)
    {
        Kind = node.OpType switch
        {
            "Add" => BinaryKind.Add,
            "Sub" => BinaryKind.Sub,
            "Mul" => BinaryKind.Mul,
            "Div" => BinaryKind.Div,
            "Pow" => BinaryKind.Pow,
            _ => throw Unsupported($"op type '{node.OpType}' is not a binary op"),
        };
        IsLegacy = opset < 7;
        if (IsLegacy)
        {
            long b = Attributes.GetInt("broadcast", 0);
            if (b is not (0 or 1)) throw Fail($"broadcast must be 0 or 1, got {b}");
            LegacyBroadcast = b == 1;
            LegacyAxis = Attributes.Has("axis") ? Attributes.GetInt("axis") : null;
        }
    }

    /// <summary>
    /// The shape B is broadcast with, numpy-style, against A: B's own shape from opset 7, and for
    /// the legacy form B's shape padded with 1s to A's rank so its dims sit at 'axis'.
    /// Throws <see cref="GraphException"/> when the shapes do not fit.
    /// </summary>
    public int[] AlignedShapeOfB(int[] a, int[] b)
    {
        if (!IsLegacy) return b;
        if (!LegacyBroadcast)
        {
            if (!ShapeUtil.Same(a, b))
                throw Fail($"shapes {ShapeUtil.Format(a)} and {ShapeUtil.Format(b)} differ and 'broadcast' is not set (opset {Opset})");
            return b;
        }
        if (b.Length > a.Length) throw Fail($"B of shape {ShapeUtil.Format(b)} has a higher rank than A {ShapeUtil.Format(a)}");
        long axis = LegacyAxis ?? a.Length - b.Length;
        if (axis < 0) axis += a.Length;
        if (axis < 0 || axis + b.Length > a.Length)
            throw Fail($"axis {LegacyAxis} does not place B {ShapeUtil.Format(b)} inside A {ShapeUtil.Format(a)}");
        var aligned = new int[a.Length];
        Array.Fill(aligned, 1);
        for (int i = 0; i < b.Length; i++)
        {
            int ad = a[axis + i];
            if (b[i] != ad && b[i] != 1)
                throw Fail($"B {ShapeUtil.Format(b)} does not match A {ShapeUtil.Format(a)} at axis {axis}");
            aligned[axis + i] = b[i];
        }
        return aligned;
    }

    /// <summary>The output shape for inputs of shapes <paramref name="a"/> and <paramref name="b"/>.</summary>
    public int[] OutputShape(int[] a, int[] b)
    {
        var aligned = AlignedShapeOfB(a, b);
        return ShapeUtil.TryBroadcast(a, aligned)
            ?? throw Fail($"shapes {ShapeUtil.Format(a)} and {ShapeUtil.Format(b)} cannot be broadcast together");
    }

    /// <inheritdoc/>
    public override TensorInfo[] InferOutputs(IReadOnlyList<TensorInfo?> inputs)
    {
        ExpectInputs(inputs, 2, 2);
        var a = Input(inputs, 0);
        var b = Input(inputs, 1);
        CheckNumeric(a, "A");
        CheckNumeric(b, "B");
        if (Kind != BinaryKind.Pow && a.Type != b.Type)
            throw Fail($"inputs have different types {a.Type.Name()} and {b.Type.Name()}");
        return [new TensorInfo(a.Type, OutputShape(a.Shape, b.Shape))];
    }

    /// <summary>One operation per output element.</summary>
    public override long Flops(IReadOnlyList<TensorInfo?> inputs, IReadOnlyList<TensorInfo> outputs) =>
        outputs.Count > 0 ? ShapeUtil.Size(outputs[0].Shape) : 0;

    private void CheckNumeric(TensorInfo t, string what)
    {
        if (!(t.Type is DataType.Float32 or DataType.Float64 || t.Type.IsInteger()))
            throw Unsupported($"{what} has type {t.Type.Name()}; supported: float32, float64, integer types");
    }
}
