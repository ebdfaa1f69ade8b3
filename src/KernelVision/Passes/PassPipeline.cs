namespace KernelVision.Passes;

/// <summary>The passes a session runs, in order.</summary>
public static class PassPipeline
{
    /// <summary>
    /// Passes for a session: dead-node elimination always; rewrites when <paramref name="optimize"/>
    /// (<c>SessionOptions.Optimize</c>). Takes the flag, not the session's options: passes depend only on the graph, ops and tensors.
    /// </summary>
    public static IEnumerable<IGraphPass> For(bool optimize)
    {
        yield return new DeadNodeElimination();
        if (!optimize) yield break;
        yield return new ConstantFolding();
        yield return new PadFusion();
        yield return new ProjectionBeforeAveragePool();
        yield return new BatchNormFolding();
        yield return new ResidualFusion();
        yield return new ActivationFusion();
        // After ActivationFusion: siblings merge only with the same fused activation.
        yield return new SiblingPointwiseMerge();
        yield return new BatchNormInputFusion();
        yield return new PointwiseBeforeResize();
        // Again: folding leaves the weights it replaced (and the nodes' old inputs) unreferenced; drop them.
        yield return new DeadNodeElimination();
    }
}
