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

    /// <summary>The op that writes <paramref name="value"/>, or null (an input or a constant).</summary>
    public Op? Producer(string value) => Ops.FirstOrDefault(o => o.Node.Outputs.Contains(value));

    /// <summary>True when <paramref name="consumer"/> is the only op reading <paramref name="value"/>, and it is no graph output.</summary>
    public bool OnlyReader(string value, Op consumer)
    {
        var readers = Consumers(value);
        return readers.Count == 1 && ReferenceEquals(readers[0], consumer) && !GraphOutputs.Contains(value);
    }

    /// <summary>
    /// The one op that reads <paramref name="value"/>, when it reads it once and as its input 0 and the
    /// value is no graph output: the shape every pass that rewrites a producer–consumer pair asks for.
    /// </summary>
    public Op? SoleReader(string value)
    {
        if (GraphOutputs.Contains(value)) return null;
        var readers = Consumers(value);
        if (readers.Count != 1) return null;
        var inputs = readers[0].Node.Inputs;
        return inputs.IndexOf(value) == 0 && inputs.LastIndexOf(value) == 0 ? readers[0] : null;
    }

    /// <summary>A value name no op or constant uses: <paramref name="stem"/>, or it with a number appended.</summary>
    public string FreshName(string stem)
    {
        var used = new HashSet<string>(Constants.Keys);
        foreach (var op in Ops)
        {
            used.UnionWith(op.Node.Inputs);
            used.UnionWith(op.Node.Outputs);
        }
        string name = stem;
        for (int n = 2; used.Contains(name); n++) name = $"{stem}_{n}";
        return name;
    }

    /// <summary>
    /// Rewires <paramref name="first"/> → <paramref name="second"/> (the second reading the first's output
    /// as its input 0) into second → first: the second reads the first's input and writes a fresh value,
    /// which the first reads and writes the second's old output under its name. The second op moves to
    /// where the first was, the first right after it. Returns the fresh value's name.
    /// </summary>
    public string Swap(Op first, Op second)
    {
        string x = first.Node.Inputs[0], y = second.Node.Outputs[0];
        string between = FreshName(y + "_reordered");
        second.Node.Inputs[0] = x;
        second.Node.Outputs[0] = between;
        first.Node.Inputs[0] = between;
        first.Node.Outputs[0] = y;
        Ops.Remove(second);
        Ops.Insert(Ops.IndexOf(first), second);
        return between;
    }
}

/// <summary>One optimisation pass over a <see cref="GraphProgram"/>.</summary>
public interface IGraphPass
{
    /// <summary>Rewrites <paramref name="program"/> in place, appending a line per change to <paramref name="log"/>.</summary>
    void Run(GraphProgram program, List<string> log);
}
