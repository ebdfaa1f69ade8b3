using KernelVision.Graph;

namespace KernelVision.Ops.Layout;

/// <summary>Transpose: output dimension i is input dimension perm[i]; without 'perm' the dims are reversed.</summary>
[OnnxOp("Transpose")]
public sealed class Transpose : Op
{
    /// <summary>The 'perm' attribute, or null for "reverse".</summary>
    public int[]? Perm { get; }

    /// <summary>Parses 'perm'.</summary>
    public Transpose(Node node, int opset) : base(node, opset)
    {
        Perm = Attributes.GetIntArray("perm");
    }

    /// <summary>The permutation for inputs of <paramref name="rank"/>, validated.</summary>
    public int[] ResolvePerm(int rank)
    {
        if (Perm is null) return Enumerable.Range(0, rank).Reverse().ToArray();
        if (Perm.Length != rank) throw Fail($"perm [{string.Join(",", Perm)}] has {Perm.Length} entries for an input of rank {rank}");
        var seen = new bool[rank];
        foreach (int p in Perm)
        {
            if (p < 0 || p >= rank || seen[p]) throw Fail($"perm [{string.Join(",", Perm)}] is not a permutation of 0..{rank - 1}");
            seen[p] = true;
        }
        return Perm;
    }

    /// <inheritdoc/>
    public override TensorInfo[] InferOutputs(IReadOnlyList<TensorInfo?> inputs)
    {
        ExpectInputs(inputs, 1, 1);
        var x = Input(inputs, 0);
        var perm = ResolvePerm(x.Shape.Length);
        return [new TensorInfo(x.Type, perm.Select(p => x.Shape[p]).ToArray())];
    }
}
