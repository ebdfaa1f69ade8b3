using KernelVision.Execution;

namespace KernelVision.Passes;

/// <summary>The passes a session runs, in order.</summary>
public static class PassPipeline
{
    /// <summary>Passes for <paramref name="options"/>: dead-node elimination always; rewrites when optimising.</summary>
    public static IEnumerable<IGraphPass> For(SessionOptions options)
    {
        yield return new DeadNodeElimination();
        if (!options.Optimize) yield break;
        yield return new ConstantFolding();
        yield return new BatchNormFolding();
        yield return new ActivationFusion();
        // Again: folding leaves the weights it replaced (and the nodes' old inputs) unreferenced; drop them.
        yield return new DeadNodeElimination();
    }
}
