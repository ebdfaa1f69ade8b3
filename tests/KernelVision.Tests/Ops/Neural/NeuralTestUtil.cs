using KernelVision.Graph;
using KernelVision.Ops;

namespace KernelVision.Tests.Ops.Neural;

/// <summary>Small builders shared by the Neural op tests.</summary>
internal static class NeuralTestUtil
{
    /// <summary>start, start+1, ... (n values).</summary>
    public static float[] Seq(int n, float start = 0) => Enumerable.Range(0, n).Select(i => start + i).ToArray();

    /// <summary>n copies of v.</summary>
    public static float[] Fill(int n, float v) => Enumerable.Repeat(v, n).ToArray();

    /// <summary>Deterministic pseudo-random values in [-1, 1).</summary>
    public static float[] Random(int n, int seed)
    {
        var r = new Random(seed);
        return Enumerable.Range(0, n).Select(_ => (float)(r.NextDouble() * 2 - 1)).ToArray();
    }

    /// <summary>The parsed op of a one-node graph (for properties, Flops, Activation).</summary>
    public static Op Build(string opType, int inputs, IEnumerable<Graph.Attribute>? attributes = null, int outputs = 1, int opset = 22)
    {
        var node = new Node
        {
            Name = opType.ToLowerInvariant() + "_test",
            OpType = opType,
            Inputs = Enumerable.Range(0, inputs).Select(i => $"in{i}").ToList(),
            Outputs = Enumerable.Range(0, outputs).Select(i => $"out{i}").ToList(),
            Attributes = new AttributeSet(attributes ?? [], opType),
        };
        return OpRegistry.Create(node, opset);
    }
}
