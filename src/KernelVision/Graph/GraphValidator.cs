namespace KernelVision.Graph;

/// <summary>Structural checks and topological ordering of a graph.</summary>
public static class GraphValidator
{
    /// <summary>
    /// Checks every value is defined once and before use, that graph outputs are produced, and
    /// returns the nodes in a topological order (file order where the file is already sorted).
    /// </summary>
    public static List<Node> Sort(ModelGraph g, string file) => Sort(g, file, int.MaxValue);

    /// <summary>
    /// As <see cref="Sort(ModelGraph, string)"/>, and refuses graphs whose longest chain of dependent
    /// nodes is longer than <paramref name="maxDepth"/>.
    /// </summary>
    public static List<Node> Sort(ModelGraph g, string file, int maxDepth)
    {
        var producer = new Dictionary<string, Node?>(StringComparer.Ordinal);
        foreach (var v in g.Inputs) producer[v.Name] = null;
        foreach (var name in g.Initializers.Keys) producer[name] = null;
        foreach (var n in g.Nodes)
        {
            foreach (var o in n.Outputs)
            {
                if (o.Length == 0) continue;
                if (producer.TryGetValue(o, out var prev))
                    throw new GraphException(prev is null
                        ? $"{file}: {n.DisplayName} writes '{o}', which is already a graph input or initializer"
                        : $"{file}: value '{o}' is produced by both {prev.DisplayName} and {n.DisplayName}");
                producer[o] = n;
            }
        }
        foreach (var n in g.Nodes)
            foreach (var i in n.Inputs)
                if (i.Length > 0 && !producer.ContainsKey(i))
                    throw new GraphException($"{file}: {n.DisplayName} reads '{i}', which no node, input or initializer defines");
        foreach (var o in g.Outputs)
            if (!producer.ContainsKey(o.Name))
                throw new GraphException($"{file}: graph output '{o.Name}' is never produced");

        // Kahn's algorithm, visiting nodes in file order so a sorted file keeps its order.
        var pending = new Dictionary<Node, int>();
        var consumers = new Dictionary<string, List<Node>>(StringComparer.Ordinal);
        foreach (var n in g.Nodes)
        {
            int deps = 0;
            foreach (var i in n.Inputs.Where(i => i.Length > 0).Distinct())
            {
                if (producer[i] is null) continue;
                deps++;
                if (!consumers.TryGetValue(i, out var list)) consumers[i] = list = [];
                list.Add(n);
            }
            pending[n] = deps;
        }
        var order = new List<Node>(g.Nodes.Count);
        var ready = new PriorityQueue<Node, int>();
        var index = g.Nodes.Select((n, i) => (n, i)).ToDictionary(p => p.n, p => p.i);
        // Depth of a node = 1 + the deepest node it reads from; known once all its producers are sorted.
        var depth = new Dictionary<Node, int>();
        foreach (var n in g.Nodes) if (pending[n] == 0) ready.Enqueue(n, index[n]);
        while (ready.TryDequeue(out var n, out _))
        {
            order.Add(n);
            int d = depth.GetValueOrDefault(n, 1);
            if (d > maxDepth)
                throw new GraphException($"{file}: the graph is deeper than the limit of {maxDepth} dependent nodes (at {n.DisplayName})");
            foreach (var o in n.Outputs.Where(o => o.Length > 0).Distinct())
                if (consumers.TryGetValue(o, out var list))
                    foreach (var c in list)
                    {
                        if (depth.GetValueOrDefault(c, 1) < d + 1) depth[c] = d + 1;
                        if (--pending[c] == 0) ready.Enqueue(c, index[c]);
                    }
        }
        if (order.Count != g.Nodes.Count)
        {
            var stuck = g.Nodes.First(n => pending[n] > 0);
            throw new GraphException($"{file}: the graph has a cycle through {stuck.DisplayName}");
        }
        return order;
    }
}
