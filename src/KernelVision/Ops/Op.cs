using KernelVision.Graph;
using KernelVision.Tensors;

namespace KernelVision.Ops;

/// <summary>
/// What is known about a value before it is computed: element type, shape, and — for tensors
/// computed from constants (shape arithmetic, initializers) — the value itself.
/// </summary>
public sealed record TensorInfo(DataType Type, int[] Shape, Tensor? Value = null)
{
    /// <summary>Info of a concrete tensor, value included.</summary>
    public static TensorInfo Of(Tensor t) => new(t.Type, t.Shape, t);

    /// <summary>Infos of concrete tensors, values included; omitted (null) inputs stay null, as <see cref="Op.InferOutputs"/> takes them.</summary>
    public static TensorInfo?[] Of(IReadOnlyList<Tensor?> tensors)
    {
        var infos = new TensorInfo?[tensors.Count];
        for (int i = 0; i < infos.Length; i++)
            if (tensors[i] is { } t) infos[i] = Of(t);
        return infos;
    }

    /// <summary>
    /// Bytes a tensor of this type and shape takes in memory (the shape already checked against the
    /// limits): what the planner and constant folding count against the activation budget.
    /// </summary>
    public long Bytes
    {
        get
        {
            long n = 1;
            foreach (int d in Shape) n *= d;
            return n * (Type switch { DataType.Float32 => 4, DataType.Bool => 1, _ => 8 });
        }
    }

    /// <summary>"float32[1,3,8,8]".</summary>
    public override string ToString() => Type.Name() + ShapeUtil.Format(Shape);
}

/// <summary>Thrown by shape inference when an output shape depends on a value not known yet; the planner then defers that node to run time.</summary>
public sealed class ValueNotKnownException() : Exception("value not known before run time");

/// <summary>
/// An operator bound to one node: its attributes parsed and validated once (constructor), and its
/// output rule (<see cref="InferOutputs"/>). Kernels on every backend take the parsed op, so nothing
/// re-parses attributes or re-derives shapes.
/// </summary>
public abstract class Op
{
    /// <summary>The node this op instance belongs to.</summary>
    public Node Node { get; }

    /// <summary>The ai.onnx opset the model imports (attribute vs input forms differ by version).</summary>
    public int Opset { get; }

    /// <summary>Binds the op to its node. Subclasses parse attributes here and throw <see cref="GraphException"/> via <see cref="Fail"/>.</summary>
    protected Op(Node node, int opset)
    {
        Node = node;
        Opset = opset;
    }

    /// <summary>Attributes of the node.</summary>
    protected AttributeSet Attributes => Node.Attributes;

    /// <summary>
    /// Output types and shapes from the inputs. <paramref name="inputs"/> has one entry per node
    /// input; omitted optional inputs are null. Inputs whose values the rule needs (a Reshape's
    /// target, a Slice's starts) are read with <see cref="RequireValue"/>.
    /// Return one info per node output.
    /// </summary>
    public abstract TensorInfo[] InferOutputs(IReadOnlyList<TensorInfo?> inputs);

    /// <summary>Floating-point operations of one run (multiply-add = 2), for profiling and kv info.</summary>
    public virtual long Flops(IReadOnlyList<TensorInfo?> inputs, IReadOnlyList<TensorInfo> outputs) => 0;

    /// <summary>False for ops whose output must not be precomputed from constant inputs (random ones).</summary>
    public virtual bool IsDeterministic => true;

    /// <summary>A <see cref="GraphException"/> naming this node.</summary>
    protected GraphException Fail(string message) => new($"{Node.DisplayName}: {message}");

    /// <summary>An <see cref="UnsupportedException"/> naming this node.</summary>
    protected UnsupportedException Unsupported(string message) => new($"{Node.DisplayName}: {message}");

    /// <summary>Input <paramref name="i"/>, which must be present.</summary>
    protected TensorInfo Input(IReadOnlyList<TensorInfo?> inputs, int i)
    {
        if (i >= inputs.Count || inputs[i] is null) throw Fail($"input {i} is required");
        return inputs[i]!;
    }

    /// <summary>Input <paramref name="i"/> or null when omitted.</summary>
    protected static TensorInfo? Optional(IReadOnlyList<TensorInfo?> inputs, int i) => i < inputs.Count ? inputs[i] : null;

    /// <summary>The value of input <paramref name="i"/>; throws <see cref="ValueNotKnownException"/> when it is only known at run time.</summary>
    protected Tensor RequireValue(IReadOnlyList<TensorInfo?> inputs, int i) =>
        Input(inputs, i).Value ?? throw new ValueNotKnownException();

    /// <summary>Checks the number of inputs given to the node.</summary>
    protected void ExpectInputs(IReadOnlyList<TensorInfo?> inputs, int min, int max)
    {
        if (inputs.Count < min || inputs.Count > max)
            throw Fail(min == max ? $"expects {min} inputs, got {inputs.Count}" : $"expects {min} to {max} inputs, got {inputs.Count}");
    }

    /// <summary>Checks the element type of an input; <paramref name="what"/> names it in the error.</summary>
    protected void ExpectType(TensorInfo t, string what, params DataType[] allowed)
    {
        if (!allowed.Contains(t.Type))
            throw Unsupported($"{what} has type {t.Type.Name()}; supported: {string.Join(", ", allowed.Select(a => a.Name()))}");
    }

    /// <summary>Normalises a possibly negative axis into [0, rank).</summary>
    protected int NormalizeAxis(long axis, int rank)
    {
        if (axis < -rank || axis >= Math.Max(rank, 1) && !(rank == 0 && axis == 0))
            throw Fail($"axis {axis} is out of range for rank {rank}");
        return (int)(axis < 0 ? axis + rank : axis);
    }
}

/// <summary>Marks an <see cref="Op"/> subclass as the implementation of an ONNX op type (ai.onnx domain unless given).</summary>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = true)]
public sealed class OnnxOpAttribute(string opType) : System.Attribute
{
    /// <summary>ONNX op type name.</summary>
    public string OpType { get; } = opType;
    /// <summary>Domain; "" for ai.onnx.</summary>
    public string Domain { get; init; } = "";
}
