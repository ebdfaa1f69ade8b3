using KernelVision.Graph;
using KernelVision.Tensors;

namespace KernelVision.Ops.Linear;

/// <summary>
/// How a MatMul splits into 2-D products: <see cref="BatchShape"/> broadcast batches of [M,K]·[K,N].
/// A 1-D A is treated as [1,K] and a 1-D B as [K,1]; those unit dims are dropped from <see cref="OutputShape"/>.
/// </summary>
/// <param name="BatchShape">Broadcast batch dims (all dims but the last two).</param>
/// <param name="M">Rows of each product.</param>
/// <param name="K">Inner dimension.</param>
/// <param name="N">Columns of each product.</param>
/// <param name="ABatchShape">A's batch dims (for broadcasting A's batch index into <see cref="BatchShape"/>).</param>
/// <param name="BBatchShape">B's batch dims.</param>
/// <param name="OutputShape">The node's output shape.</param>
public sealed record MatMulGeometry(int[] BatchShape, int M, int K, int N, int[] ABatchShape, int[] BBatchShape, int[] OutputShape)
{
    /// <summary>Number of [M,N] products.</summary>
    public int BatchCount => ShapeUtil.Size(BatchShape);
}

/// <summary>MatMul with numpy semantics: 1-D operands promoted and the promoted dim removed, batch dims broadcast.</summary>
[OnnxOp("MatMul")]
public sealed class MatMul : Op
{
    /// <summary>Binds the op to its node (no attributes).</summary>
    public MatMul(Node node, int opset) : base(node, opset) { }

    /// <summary>The product's geometry for operands of the given shapes; throws when they do not fit.</summary>
    public MatMulGeometry Geometry(int[] a, int[] b)
    {
        if (a.Length == 0 || b.Length == 0) throw Fail($"operands must have rank ≥ 1, got {ShapeUtil.Format(a)} and {ShapeUtil.Format(b)}");
        int[] a2 = a.Length == 1 ? [1, a[0]] : a;
        int[] b2 = b.Length == 1 ? [b[0], 1] : b;
        int m = a2[^2], k = a2[^1], kb = b2[^2], n = b2[^1];
        if (k != kb) throw Fail($"inner dimensions differ: A {ShapeUtil.Format(a)} has K={k}, B {ShapeUtil.Format(b)} has K={kb}");
        int[] aBatch = a2[..^2], bBatch = b2[..^2];
        int[] batch = ShapeUtil.TryBroadcast(aBatch, bBatch)
            ?? throw Fail($"batch dimensions of {ShapeUtil.Format(a)} and {ShapeUtil.Format(b)} cannot be broadcast together");
        var output = new List<int>(batch);
        if (a.Length > 1) output.Add(m);
        if (b.Length > 1) output.Add(n);
        return new MatMulGeometry(batch, m, k, n, aBatch, bBatch, [.. output]);
    }

    /// <inheritdoc/>
    public override TensorInfo[] InferOutputs(IReadOnlyList<TensorInfo?> inputs)
    {
        ExpectInputs(inputs, 2, 2);
        var a = Input(inputs, 0);
        var b = Input(inputs, 1);
        if (!(a.Type is DataType.Float32 or DataType.Float64 || a.Type.IsInteger()))
            throw Unsupported($"A has type {a.Type.Name()}; supported: float32, float64, integer types");
        if (b.Type != a.Type) throw Fail($"B has type {b.Type.Name()}, expected {a.Type.Name()} like A");
        var g = Geometry(a.Shape, b.Shape);
        ShapeUtil.Size(g.OutputShape);
        return [new TensorInfo(a.Type, g.OutputShape)];
    }

    /// <summary>2·batch·M·N·K.</summary>
    public override long Flops(IReadOnlyList<TensorInfo?> inputs, IReadOnlyList<TensorInfo> outputs)
    {
        var a = inputs.Count > 0 ? inputs[0] : null;
        var b = inputs.Count > 1 ? inputs[1] : null;
        if (a is null || b is null) return 0;
        var g = Geometry(a.Shape, b.Shape);
        return 2L * g.BatchCount * g.M * g.N * g.K;
    }
}
