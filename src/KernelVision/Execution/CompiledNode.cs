using KernelVision.Backends;
using KernelVision.Graph;
using KernelVision.Ops;

namespace KernelVision.Execution;

/// <summary>One node ready to run: its op and the kernel chosen for it.</summary>
public sealed class CompiledNode(Op op, IKernel kernel, bool isFallback)
{
    /// <summary>The parsed op.</summary>
    public Op Op { get; } = op;
    /// <summary>The node.</summary>
    public Node Node => Op.Node;
    /// <summary>The kernel that runs it.</summary>
    public IKernel Kernel { get; } = kernel;
    /// <summary>True when the backend lacked a kernel and Reference runs this node.</summary>
    public bool IsFallback { get; } = isFallback;
}
