using KernelVision.Execution;
using KernelVision.Tensors;
using Xunit;
using OnnxAttribute = KernelVision.Graph.Attribute;

namespace KernelVision.Cpu.Tests;

/// <summary>
/// Runs an op on the Cpu backend and on the Reference backend (the oracle) and compares every
/// output. Evaluation fails when the Cpu backend has no kernel for the op, so a passing check also
/// proves the Cpu kernel exists.
/// </summary>
public static class CpuVsReference
{
    /// <summary>Three threads: uneven chunk counts exercise the partitioning on any machine.</summary>
    public static readonly CpuBackend Threaded = new(3);

    /// <summary>One thread: the inline path.</summary>
    public static readonly CpuBackend Serial = new(1);

    /// <summary>Ragged sizes (vector tails of every length) and one big enough to be split across threads.</summary>
    public static readonly int[][] RaggedShapes = [[1], [7], [9], [33], [3, 5, 17], [2, 8, 64, 65]];

    /// <summary>Uniform random float32 tensor in [lo, hi).</summary>
    public static Tensor Random(Random rng, int[] shape, float lo = -3, float hi = 3)
    {
        var t = Tensor.Zeros(DataType.Float32, shape);
        var s = t.Floats;
        for (int i = 0; i < s.Length; i++) s[i] = lo + (float)rng.NextDouble() * (hi - lo);
        return t;
    }

    /// <summary>Random integers of <paramref name="type"/> in [lo, hi).</summary>
    public static Tensor RandomInts(Random rng, DataType type, int[] shape, long lo, long hi)
    {
        var t = Tensor.Zeros(type, shape);
        var s = t.Int64s;
        for (int i = 0; i < s.Length; i++) s[i] = rng.NextInt64(lo, hi);
        return t;
    }

    /// <summary>
    /// Runs on Reference and on the Cpu backend (threaded and serial) and compares. <paramref name="exact"/>
    /// demands identical bits (pure data movement); otherwise |cpu − ref| ≤ rtol·(|ref| + 1e-2·max|ref|).
    /// Returns the Reference outputs.
    /// </summary>
    public static Tensor?[] Check(string opType, IReadOnlyList<Tensor?> inputs, IEnumerable<OnnxAttribute>? attributes = null,
        int outputs = 1, int opset = 22, bool exact = false, double rtol = 1e-5)
    {
        var attrs = attributes?.ToList();
        var want = OpEvaluator.Run(opType, inputs, attrs, outputs, opset);
        foreach (var backend in new[] { Threaded, Serial })
        {
            var got = OpEvaluator.Run(opType, inputs, attrs, outputs, opset, backend);
            Assert.Equal(want.Length, got.Length);
            for (int i = 0; i < want.Length; i++)
            {
                if (want[i] is null) { Assert.Null(got[i]); continue; }
                AssertMatch(want[i]!, got[i]!, exact, rtol, $"{opType} output {i} ({backend.Threads} threads)");
            }
        }
        return want;
    }

    /// <summary>Compares one output tensor (see <see cref="Check"/>).</summary>
    public static void AssertMatch(Tensor want, Tensor got, bool exact, double rtol, string what)
    {
        Assert.Equal(want.Type, got.Type);
        Assert.Equal(want.Shape, got.Shape);
        double scale = 0;
        for (int i = 0; i < want.Length; i++)
        {
            double e = want.GetDouble(i);
            if (double.IsFinite(e)) scale = Math.Max(scale, Math.Abs(e));
        }
        for (int i = 0; i < want.Length; i++)
        {
            double e = want.GetDouble(i), a = got.GetDouble(i);
            if (double.IsNaN(e) && double.IsNaN(a)) continue;
            if (exact)
            {
                if (!e.Equals(a)) Assert.Fail($"{what}: element {i} of {want.Describe()}: expected {e:R}, got {a:R}");
                continue;
            }
            if (double.IsInfinity(e) && e == a) continue;
            if (!(Math.Abs(a - e) <= rtol * (Math.Abs(e) + 1e-2 * scale)))
                Assert.Fail($"{what}: element {i} of {want.Describe()}: expected {e:G9}, got {a:G9}");
        }
    }
}
