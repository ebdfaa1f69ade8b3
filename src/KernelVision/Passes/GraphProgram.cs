using KernelVision.Ops;
using KernelVision.Tensors;

namespace KernelVision.Passes;

/// <summary>The mutable form the optimisation passes work on: ops in execution order plus constant tensors.</summary>
public sealed class GraphProgram(List<Op> ops, Dictionary<string, Tensor> constants, HashSet<string> graphOutputs, HashSet<string> overridable)
{
    /// <summary>Ops in a valid execution order.</summary>
    public List<Op> Ops { get; } = ops;
    /// <summary>Constant tensors by value name (initializers).</summary>
    public Dictionary<string, Tensor> Constants { get; } = constants;
    /// <summary>Values the caller receives: never renamed or removed.</summary>
    public HashSet<string> GraphOutputs { get; } = graphOutputs;
    /// <summary>Initializers the caller may replace at run time: passes must not bake them into other tensors.</summary>
    public HashSet<string> Overridable { get; } = overridable;

    /// <summary>A constant that is safe to rewrite (not overridable by the caller).</summary>
    public Tensor? FixedConstant(string name) => name.Length > 0 && !Overridable.Contains(name) ? Constants.GetValueOrDefault(name) : null;

    /// <summary>The ops that read <paramref name="value"/>.</summary>
    public List<Op> Consumers(string value) => Ops.Where(o => o.Node.Inputs.Contains(value)).ToList();
}

/// <summary>One optimisation pass over a <see cref="GraphProgram"/>.</summary>
public interface IGraphPass
{
    /// <summary>Rewrites <paramref name="program"/> in place, appending a line per change to <paramref name="log"/>.</summary>
    void Run(GraphProgram program, List<string> log);
}
