using KernelVision.Graph;
using KernelVision.Tensors;

namespace KernelVision.Ops.Linear;

/// <summary>
/// Gemm: Y = alpha·op(A)·op(B) + beta·C, op(X) = X or Xᵀ per transA/transB, A and B 2-D, C optional
/// and broadcast unidirectionally to [M, N]. A fusion pass may set <see cref="Activation"/>, which
/// kernels apply to each output element after the bias.
/// </summary>
[OnnxOp("Gemm")]
public sealed class Gemm : Op
{
    /// <summary>Use Aᵀ (A is stored [K, M]).</summary>
    public bool TransA { get; }

    /// <summary>Use Bᵀ (B is stored [N, K]), the layout of PyTorch Linear weights.</summary>
    public bool TransB { get; }

    /// <summary>Scale of the product.</summary>
    public float Alpha { get; }

    /// <summary>Scale of C.</summary>
    public float Beta { get; }

    /// <summary>Activation applied in the epilogue (after adding C); None unless a fusion pass sets it.</summary>
    public FusedActivation Activation { get; set; }

    /// <summary>Parses transA, transB, alpha, beta; the legacy 'broadcast' (opset &lt; 7) is accepted (C always broadcasts).</summary>
    public Gemm(Node node, int opset) : base(node, opset)
    {
        TransA = ParseFlag("transA");
        TransB = ParseFlag("transB");
        Alpha = Attributes.GetFloat("alpha", 1f);
        Beta = Attributes.GetFloat("beta", 1f);
        if (!float.IsFinite(Alpha) || !float.IsFinite(Beta)) throw Fail($"alpha and beta must be finite, got {Alpha}, {Beta}");
        if (opset < 7) ParseFlag("broadcast");
    }

    private bool ParseFlag(string name)
    {
        long v = Attributes.GetInt(name, 0);
        if (v is not (0 or 1)) throw Fail($"{name} must be 0 or 1, got {v}");
        return v == 1;
    }

    /// <summary>M, K, N for A and B of the given shapes (after transposition); throws when they do not fit.</summary>
    public (int M, int K, int N) Dims(int[] a, int[] b)
    {
        if (a.Length != 2) throw Fail($"A must be 2-D, got shape {ShapeUtil.Format(a)}");
        if (b.Length != 2) throw Fail($"B must be 2-D, got shape {ShapeUtil.Format(b)}");
        int m = TransA ? a[1] : a[0], k = TransA ? a[0] : a[1];
        int kb = TransB ? b[1] : b[0], n = TransB ? b[0] : b[1];
        if (k != kb)
            throw Fail($"inner dimensions differ: A {ShapeUtil.Format(a)}{(TransA ? "ᵀ" : "")} has K={k}, B {ShapeUtil.Format(b)}{(TransB ? "ᵀ" : "")} has K={kb}");
        return (m, k, n);
    }

    /// <inheritdoc/>
    public override TensorInfo[] InferOutputs(IReadOnlyList<TensorInfo?> inputs)
    {
        ExpectInputs(inputs, 2, 3);
        var a = Input(inputs, 0);
        var b = Input(inputs, 1);
        ExpectType(a, "A", DataType.Float32, DataType.Float64);
        if (b.Type != a.Type) throw Fail($"B has type {b.Type.Name()}, expected {a.Type.Name()} like A");
        var (m, _, n) = Dims(a.Shape, b.Shape);
        var c = Optional(inputs, 2);
        if (c is not null)
        {
            if (c.Type != a.Type) throw Fail($"C has type {c.Type.Name()}, expected {a.Type.Name()} like A");
            var bc = ShapeUtil.TryBroadcast([m, n], c.Shape);
            if (c.Shape.Length > 2 || bc is null || bc[0] != m || bc[1] != n)
                throw Fail($"C of shape {ShapeUtil.Format(c.Shape)} cannot be broadcast to [{m},{n}]");
        }
        return [new TensorInfo(a.Type, [m, n])];
    }

    /// <summary>2·M·N·K.</summary>
    public override long Flops(IReadOnlyList<TensorInfo?> inputs, IReadOnlyList<TensorInfo> outputs)
    {
        var a = inputs.Count > 0 ? inputs[0] : null;
        var b = inputs.Count > 1 ? inputs[1] : null;
        if (a is null || b is null) return 0;
        var (m, k, n) = Dims(a.Shape, b.Shape);
        return 2L * m * n * k;
    }
}
