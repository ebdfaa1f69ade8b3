using KernelVision.Graph;
using KernelVision.Tensors;
using Xunit;
using static KernelVision.Cpu.Tests.CpuVsReference;
using OnnxAttribute = KernelVision.Graph.Attribute;

namespace KernelVision.Cpu.Tests.Layout;

/// <summary>Data movement: the Cpu kernels must reproduce the Reference bit for bit, for every storage type.</summary>
public class LayoutCpuTests
{
    private static Tensor Bools(Random rng, int[] shape)
    {
        var t = Tensor.Zeros(DataType.Bool, shape);
        for (int i = 0; i < t.Length; i++) t.Bools[i] = rng.Next(2) == 1;
        return t;
    }

    private static Tensor Doubles(Random rng, int[] shape)
    {
        var t = Tensor.Zeros(DataType.Float64, shape);
        for (int i = 0; i < t.Length; i++) t.Doubles[i] = rng.NextDouble() - 0.5;
        return t;
    }

    /// <summary>The same shape in every storage type (float32 also at a size that is split across threads).</summary>
    private static IEnumerable<Tensor> AllTypes(Random rng, int[] shape)
    {
        yield return Random(rng, shape);
        yield return RandomInts(rng, DataType.Int64, shape, -1000, 1000);
        yield return Bools(rng, shape);
        yield return Doubles(rng, shape);
    }

    private static void Exact(string op, IReadOnlyList<Tensor?> inputs, IEnumerable<OnnxAttribute>? attrs = null, int outputs = 1, int opset = 22) =>
        Check(op, inputs, attrs, outputs, opset, exact: true);

    [Fact]
    public void ShapeOnlyOpsCopy()
    {
        var rng = new Random(1);
        foreach (var x in AllTypes(rng, [2, 3, 1, 4]).Append(Random(rng, [4, 64, 1, 1056])))
        {
            Exact("Identity", [x]);
            Exact("Flatten", [x], [Attr.Int("axis", 2)]);
            Exact("Reshape", [x, Tensor.Vector(-1, x.Shape[3])]);
            Exact("Squeeze", [x, Tensor.Vector(2)], opset: 13);
            Exact("Squeeze", [x], [Attr.Ints("axes", 2)], opset: 11);
            Exact("Unsqueeze", [x, Tensor.Vector(0, -1)], opset: 13);
        }
        var f = Random(rng, [3, 5]);
        Exact("Dropout", [f], outputs: 2);
        Exact("Dropout", [f], [Attr.Float("ratio", 0.3f)], outputs: 2, opset: 9);
        Exact("Dropout", [f, Tensor.Scalar(0f), BoolScalar(true)], outputs: 2);
        Assert.Throws<UnsupportedException>(() => Kernels.Run("Dropout", [f, Tensor.Scalar(0.5f), BoolScalar(true)]));
    }

    private static Tensor BoolScalar(bool v)
    {
        var t = Tensor.Zeros(DataType.Bool, []);
        t.Bools[0] = v;
        return t;
    }

    [Fact]
    public void ConcatJoinsAlongEveryAxis()
    {
        var rng = new Random(2);
        foreach (int axis in new[] { 0, 1, 2, 3, -1 })
        {
            int a = axis < 0 ? 3 : axis;
            int[] Shape(int n) { int[] s = [2, 3, 4, 5]; s[a] = n; return s; }
            Exact("Concat", [Random(rng, Shape(1)), Random(rng, Shape(3)), Random(rng, Shape(0)), Random(rng, Shape(2))], [Attr.Int("axis", axis)]);
            Exact("Concat", [RandomInts(rng, DataType.Int64, Shape(2), 0, 9), RandomInts(rng, DataType.Int64, Shape(1), 0, 9)], [Attr.Int("axis", axis)]);
            Exact("Concat", [Bools(rng, Shape(2)), Bools(rng, Shape(3))], [Attr.Int("axis", axis)]);
        }
        Exact("Concat", [Random(rng, [1, 64, 56, 56]), Random(rng, [1, 32, 56, 56]), Random(rng, [1, 96, 56, 56])], [Attr.Int("axis", 1)]);
        Exact("Concat", [Random(rng, [4, 3, 100, 30]), Random(rng, [4, 3, 100, 7])], [Attr.Int("axis", 3)]);
        Exact("Concat", [Tensor.Vector(1, 2), Tensor.Vector(3)], [Attr.Int("axis", 0)]);
    }

    [Fact]
    public void SplitCutsAlongEveryAxis()
    {
        var rng = new Random(3);
        var x = Random(rng, [4, 6, 8, 10]);
        foreach (int axis in new[] { 0, 1, 2, 3, -2 })
            Exact("Split", [x], [Attr.Int("axis", axis)], outputs: 2);
        Exact("Split", [x, Tensor.Vector(1, 0, 5)], [Attr.Int("axis", 1)], outputs: 3, opset: 13);
        Exact("Split", [x], [Attr.Int("axis", 3), Attr.Ints("split", 3, 7)], outputs: 2, opset: 11);
        Exact("Split", [x], [Attr.Int("axis", 2), Attr.Int("num_outputs", 3)], outputs: 3, opset: 18);
        Exact("Split", [RandomInts(rng, DataType.Int64, [3, 9], 0, 99)], [Attr.Int("axis", 1)], outputs: 3);
        Exact("Split", [Bools(rng, [6, 2])], outputs: 3);
        Exact("Split", [Random(rng, [1, 192, 56, 56])], [Attr.Int("axis", 1)], outputs: 3);
    }

    public static TheoryData<int[], long[]?> Transposes() => new()
    {
        { [3, 5], null },
        { [17, 33], [1, 0] },
        { [2, 3, 4], [0, 2, 1] },
        { [2, 3, 4], [2, 0, 1] },
        { [2, 3, 4], [1, 2, 0] },
        { [2, 3, 4, 5], [0, 2, 3, 1] },
        { [2, 3, 4, 5], [0, 3, 1, 2] },
        { [2, 3, 4, 5], [3, 2, 1, 0] },
        { [2, 3, 4, 5], [0, 1, 3, 2] },
        { [2, 4, 3, 5, 6], [0, 2, 1, 3, 4] },
        { [1, 3, 1, 5], [2, 3, 0, 1] },
        { [1, 1, 7], [2, 1, 0] },
        { [2, 3, 4], [0, 1, 2] },
        { [1, 64, 56, 57], [0, 2, 3, 1] },
        { [1, 56, 57, 64], [0, 3, 1, 2] },
        { [1, 8, 4, 28, 28], [0, 2, 1, 3, 4] },
    };

    [Theory]
    [MemberData(nameof(Transposes))]
    public void TransposeMatchesReference(int[] shape, long[]? perm)
    {
        var rng = new Random(shape.Sum());
        var attrs = perm is null ? null : new[] { Attr.Ints("perm", perm) };
        foreach (var x in AllTypes(rng, shape)) Exact("Transpose", [x], attrs);
    }

    [Fact]
    public void SliceWithStepsAxesAndClamping()
    {
        var rng = new Random(4);
        var x = Random(rng, [4, 6, 8, 10]);
        Exact("Slice", [x, Tensor.Vector(1), Tensor.Vector(3)]);
        Exact("Slice", [x, Tensor.Vector(0, 2), Tensor.Vector(3, 5), Tensor.Vector(1, 3)]);
        Exact("Slice", [x, Tensor.Vector(-1, 1), Tensor.Vector(-100, 1000), Tensor.Vector(2, 3), Tensor.Vector(-2, 3)]);
        Exact("Slice", [x, Tensor.Vector(5, 0), Tensor.Vector(0, 8), Tensor.Vector(1, 2), Tensor.Vector(-1, 3)]);
        Exact("Slice", [x, Tensor.Vector(0, 0, 0, 0), Tensor.Vector(4, 6, 8, 10)]);
        Exact("Slice", [x, Tensor.Vector(1, 1), Tensor.Vector(4, 9), Tensor.Vector(0, -1), Tensor.Vector(2, 2)]);
        Exact("Slice", [x, Tensor.Vector(3), Tensor.Vector(3), Tensor.Vector(1)]); // empty
        Exact("Slice", [x], [Attr.Ints("starts", 1, 2), Attr.Ints("ends", 3, 7), Attr.Ints("axes", 0, 2)], opset: 9);
        Exact("Slice", [Random(rng, [1, 64, 112, 112]), Tensor.Vector(0), Tensor.Vector(32), Tensor.Vector(1)]);
        Exact("Slice", [Random(rng, [1, 16, 112, 112]), Tensor.Vector(1, 1), Tensor.Vector(112, 112), Tensor.Vector(2, 3), Tensor.Vector(2, 2)]);
        Exact("Slice", [RandomInts(rng, DataType.Int64, [4], 0, 9), Tensor.Vector(2), Tensor.Vector(long.MaxValue)]);
        Exact("Slice", [Bools(rng, [5, 6]), Tensor.Vector(4), Tensor.Vector(0), Tensor.Vector(1), Tensor.Vector(-2)]);
        Exact("Slice", [Doubles(rng, [5, 6]), Tensor.Vector(1), Tensor.Vector(5), Tensor.Vector(0), Tensor.Vector(3)]);
    }

    [Theory]
    [InlineData("constant")]
    [InlineData("reflect")]
    [InlineData("edge")]
    [InlineData("wrap")]
    public void PadModesMatchReference(string mode)
    {
        var rng = new Random(mode.Length);
        OnnxAttribute[] m = [Attr.String("mode", mode)];
        foreach (var x in AllTypes(rng, [2, 3, 5, 6]))
        {
            Exact("Pad", [x, Tensor.Vector(0, 0, 1, 2, 0, 0, 3, 1)], m);
            Exact("Pad", [x, Tensor.Vector(0, 1, -1, 0, 1, 0, 2, -2)], m);
            Exact("Pad", [x, Tensor.Vector(1, 0, 0, 0, 0, 1, 0, 0)], m);
        }
        var f = Random(rng, [1, 8, 30, 31]);
        Exact("Pad", [f, Tensor.Vector(0, 0, 4, 5, 0, 0, 3, 2)], m);
        Exact("Pad", [f, Tensor.Vector(2, 3, 1, 0), null, Tensor.Vector(-2, -1)], m, opset: 18);
        Exact("Pad", [Random(rng, [2, 3, 4])], [.. m, Attr.Ints("pads", 0, 1, 2, 0, 2, 1)], opset: 2);
    }

    [Fact]
    public void PadConstantValues()
    {
        var rng = new Random(5);
        Exact("Pad", [Random(rng, [3, 4]), Tensor.Vector(1, 2, 2, 1), Tensor.Scalar(7.5f)], opset: 11);
        Exact("Pad", [RandomInts(rng, DataType.Int64, [3, 4], -9, 9), Tensor.Vector(1, 2, 2, 1), Tensor.FromInt64s([], [-4])], opset: 11);
        Exact("Pad", [Bools(rng, [3, 4]), Tensor.Vector(1, 0, 0, 1), BoolScalar(true)], opset: 11);
        Exact("Pad", [Random(rng, [2, 3])], [Attr.Ints("pads", 1, 1, 1, 1), Attr.Float("value", -2f)], opset: 6);
        Exact("Pad", [Random(rng, [3, 4]), Tensor.Vector(-3, 0, 0, 0)], opset: 11); // everything cropped on an axis
    }

    [Fact]
    public void GatherAlongAxes()
    {
        var rng = new Random(6);
        foreach (var x in AllTypes(rng, [5, 4, 3]))
        {
            Exact("Gather", [x, Tensor.Vector(4, 0, -1, 2)], [Attr.Int("axis", 0)]);
            Exact("Gather", [x, Tensor.FromInt64s([2, 2], [1, -1, 0, 3])], [Attr.Int("axis", 1)]);
            Exact("Gather", [x, Tensor.FromInt64s([], [2])], [Attr.Int("axis", -1)]);
            Exact("Gather", [x, new Tensor(DataType.Int32, [3], new long[] { 0, 0, 1 })], [Attr.Int("axis", 2)]);
        }
        Exact("Gather", [Random(rng, [1000, 128]), RandomInts(rng, DataType.Int64, [2, 300], -1000, 1000)]);
        Assert.ThrowsAny<KernelVisionException>(() => Kernels.Run("Gather", [Random(rng, [3, 2]), Tensor.Vector(3)]));
    }

    [Fact]
    public void DepthToSpaceAndSpaceToDepth()
    {
        var rng = new Random(7);
        foreach (var x in AllTypes(rng, [2, 8, 3, 5]))
        {
            Exact("DepthToSpace", [x], [Attr.Int("blocksize", 2), Attr.String("mode", "DCR")]);
            Exact("DepthToSpace", [x], [Attr.Int("blocksize", 2), Attr.String("mode", "CRD")]);
        }
        Exact("DepthToSpace", [Random(rng, [1, 18, 4, 4])], [Attr.Int("blocksize", 3), Attr.String("mode", "CRD")]);
        Exact("DepthToSpace", [Random(rng, [1, 64, 40, 40])], [Attr.Int("blocksize", 4)]);
        foreach (var x in AllTypes(rng, [2, 3, 6, 4]))
            Exact("SpaceToDepth", [x], [Attr.Int("blocksize", 2)]);
        Exact("SpaceToDepth", [Random(rng, [1, 3, 9, 6])], [Attr.Int("blocksize", 3)]);
        Exact("SpaceToDepth", [Random(rng, [1, 16, 128, 128])], [Attr.Int("blocksize", 4)]);
    }
}
