using System.Reflection;
using KernelVision.Graph;

namespace KernelVision.Ops;

/// <summary>Maps ONNX op types to <see cref="Op"/> classes found by their <see cref="OnnxOpAttribute"/>.</summary>
public static class OpRegistry
{
    private static readonly Dictionary<(string Domain, string OpType), Type> Types = Scan();

    private static Dictionary<(string, string), Type> Scan()
    {
        var map = new Dictionary<(string, string), Type>();
        foreach (var t in typeof(Op).Assembly.GetTypes())
        {
            if (t.IsAbstract || !t.IsSubclassOf(typeof(Op))) continue;
            foreach (var a in t.GetCustomAttributes<OnnxOpAttribute>())
                map[(a.Domain, a.OpType)] = t;
        }
        return map;
    }

    /// <summary>Every supported op type (ai.onnx domain), sorted.</summary>
    public static IReadOnlyList<string> SupportedOpTypes => Types.Keys.Where(k => k.Domain == "").Select(k => k.OpType).Order().ToList();

    /// <summary>True when <paramref name="node"/>'s op type is implemented.</summary>
    public static bool IsSupported(Node node) => Types.ContainsKey((NormalizeDomain(node.Domain), node.OpType));

    /// <summary>Creates and validates the op for <paramref name="node"/>.</summary>
    public static Op Create(Node node, int opset)
    {
        if (!Types.TryGetValue((NormalizeDomain(node.Domain), node.OpType), out var type))
            throw new UnsupportedException($"{node.DisplayName}: op type '{(node.Domain.Length > 0 ? node.Domain + "." : "")}{node.OpType}' is not supported");
        try
        {
            return (Op)Activator.CreateInstance(type, node, opset)!;
        }
        catch (TargetInvocationException e) when (e.InnerException is KernelVisionException kv)
        {
            throw kv;
        }
    }

    private static string NormalizeDomain(string d) => d == "ai.onnx" ? "" : d;
}
