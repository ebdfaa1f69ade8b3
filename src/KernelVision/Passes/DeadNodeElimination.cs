namespace KernelVision.Passes;

/// <summary>Removes nodes none of whose outputs reach a graph output.</summary>
public sealed class DeadNodeElimination : IGraphPass
{
    /// <inheritdoc/>
    public void Run(GraphProgram program, List<string> log)
    {
        var needed = new HashSet<string>(program.GraphOutputs, StringComparer.Ordinal);
        var keep = new bool[program.Ops.Count];
        for (int i = program.Ops.Count - 1; i >= 0; i--)
        {
            var n = program.Ops[i].Node;
            if (!n.Outputs.Any(needed.Contains)) continue;
            keep[i] = true;
            foreach (var input in n.Inputs) if (input.Length > 0) needed.Add(input);
        }
        int removed = 0;
        for (int i = program.Ops.Count - 1; i >= 0; i--)
        {
            if (keep[i]) continue;
            log.Add($"dead-node: removed {program.Ops[i].Node.DisplayName}");
            program.Ops.RemoveAt(i);
            removed++;
        }
        foreach (var name in program.Constants.Keys.Where(k => !needed.Contains(k) && !program.Overridable.Contains(k)).ToList())
            program.Constants.Remove(name);
    }
}
