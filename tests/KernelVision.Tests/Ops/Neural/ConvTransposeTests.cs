using KernelVision.Backends.Reference;
using KernelVision.Execution;
using KernelVision.Graph;
using KernelVision.Ops;
using KernelVision.Ops.Neural;
using KernelVision.Tensors;
using Xunit;
using static KernelVision.Tests.Ops.Neural.NeuralTestUtil;

namespace KernelVision.Tests.Ops.Neural;

public class ConvTransposeTests
{
    private static readonly Tensor X3 = Tensor.FromFloats([1, 1, 3, 3], Seq(9));
    private static readonly Tensor Ones = Tensor.FromFloats([1, 2, 3, 3], Fill(18, 1));

    private static float[] Twice(float[] plane) => [.. plane, .. plane];

    [Fact]
    public void OneDimensionalOverlapAdds()
    {
        var x = Tensor.FromFloats([1, 1, 3], [0, 1, 2]);
        var w = Tensor.FromFloats([1, 2, 3], Fill(6, 1));
        var y = OpEvaluator.Run("ConvTranspose", [x, w])[0];
        TensorAssert.Close([1, 2, 5], Twice([0, 1, 3, 3, 2]), y);
    }

    [Fact]
    public void TwoDimensionalDefault()
    {
        var y = OpEvaluator.Run("ConvTranspose", [X3, Ones])[0];
        TensorAssert.Close([1, 2, 5, 5], Twice([
            0, 1, 3, 3, 2,
            3, 8, 15, 12, 7,
            9, 21, 36, 27, 15,
            9, 20, 33, 24, 13,
            6, 13, 21, 15, 8]), y);
    }

    [Fact]
    public void StridesAndPadsTrimTheOutput()
    {
        // Full result is 9x7 (strides 3,2); pads [1,2,1,2] trim to 7x3.
        var y = OpEvaluator.Run("ConvTranspose", [X3, Ones], [Attr.Ints("strides", 3, 2), Attr.Ints("pads", 1, 2, 1, 2)])[0];
        TensorAssert.Close([1, 2, 7, 3], Twice([1, 1, 3, 1, 1, 3, 7, 4, 9, 7, 4, 9, 7, 4, 9, 13, 7, 15, 13, 7, 15]), y);
    }

    [Fact]
    public void OutputShapeLargerThanFullResultExtendsAtTheEnd()
    {
        // Full result 9x7; output_shape 10x8 → total pad −1 per axis → the extra row/column is at the end.
        var y = OpEvaluator.Run("ConvTranspose", [X3, Ones], [Attr.Ints("strides", 3, 2), Attr.Ints("output_shape", 10, 8)])[0];
        float[] a = [0, 0, 1, 1, 3, 2, 2, 0], b = [3, 3, 7, 4, 9, 5, 5, 0], c = [6, 6, 13, 7, 15, 8, 8, 0], z = Fill(8, 0);
        float[] plane = [.. a, .. a, .. a, .. b, .. b, .. b, .. c, .. c, .. c, .. z];
        TensorAssert.Close([1, 2, 10, 8], Twice(plane), y);
        // The same result via output_padding; the full N,C,H,W form of output_shape is accepted too.
        var padded = OpEvaluator.Run("ConvTranspose", [X3, Ones], [Attr.Ints("strides", 3, 2), Attr.Ints("output_padding", 1, 1)])[0];
        TensorAssert.Close([1, 2, 10, 8], Twice(plane), padded);
        var full = OpEvaluator.Run("ConvTranspose", [X3, Ones], [Attr.Ints("strides", 3, 2), Attr.Ints("output_shape", 1, 2, 10, 8)])[0];
        TensorAssert.Close([1, 2, 10, 8], Twice(plane), full);
    }

    [Fact]
    public void DilatedKernel()
    {
        var x = Tensor.FromFloats([1, 1, 3, 3], [3, 8, 1, 9, 5, 7, 3, 2, 6]);
        var w = Tensor.FromFloats([1, 1, 2, 2], [7, 2, 1, 9]);
        var y = OpEvaluator.Run("ConvTranspose", [x, w], [Attr.Ints("dilations", 2, 2)])[0];
        TensorAssert.Close([1, 1, 5, 5], [
            21, 56, 13, 16, 2,
            63, 35, 67, 10, 14,
            24, 22, 76, 76, 21,
            9, 5, 88, 45, 63,
            3, 2, 33, 18, 54], y);
    }

    [Fact]
    public void AutoPadSameGivesInputTimesStride()
    {
        // 1-D: x [1,2], W [1,1,1] (k 3), stride 2. Full result length 5 = [1,1,3,2,2]; SAME → length 4,
        // total pad 1: SAME_UPPER trims the end, SAME_LOWER the beginning.
        var x = Tensor.FromFloats([1, 1, 2], [1, 2]);
        var w = Tensor.FromFloats([1, 1, 3], [1, 1, 1]);
        var upper = OpEvaluator.Run("ConvTranspose", [x, w], [Attr.String("auto_pad", "SAME_UPPER"), Attr.Ints("strides", 2)])[0];
        TensorAssert.Close([1, 1, 4], [1, 1, 3, 2], upper);
        var lower = OpEvaluator.Run("ConvTranspose", [x, w], [Attr.String("auto_pad", "SAME_LOWER"), Attr.Ints("strides", 2)])[0];
        TensorAssert.Close([1, 1, 4], [1, 3, 2, 2], lower);
    }

    [Fact]
    public void GroupsBiasAndActivation()
    {
        // C = 2, group 2, M/group = 1: channel c only feeds output c.
        var op = (ConvTranspose)Build("ConvTranspose", 3, [Attr.Int("group", 2)]);
        op.Activation = new FusedActivation(ActivationKind.Clip, 0, 6);
        var x = Tensor.FromFloats([1, 2, 2], [1, 2, 3, 4]);
        var w = Tensor.FromFloats([2, 1, 2], [1, 1, 1, -1]);
        var b = Tensor.FromFloats([2], [0.5f, 1]);
        var y = OpEvaluator.Evaluate(op, ReferenceBackend.Instance, [x, w, b])[0];
        // ch0: [1, 3, 2] + 0.5 → [1.5, 3.5, 2.5]; ch1: [3, 4−3, −4] + 1 → [4, 2, −3] → clip → [4, 2, 0].
        TensorAssert.Close([1, 2, 3], [1.5f, 3.5f, 2.5f, 4, 2, 0], y);
    }

    [Fact]
    public void MatchesGatherFormula3D()
    {
        // Gather form: y[o] = Σ x[i]·w[k] over i·s − pad + k·d = o; independent of the scatter kernel.
        int n = 1, c = 2, m = 3, group = 1;
        int[] inS = [2, 3, 2], k = [2, 2, 3], s = [2, 1, 2], d = [1, 2, 1], pb = [1, 0, 0], pe = [0, 1, 1], op = [1, 0, 0];
        var xs = Random(n * c * 12, 5);
        var ws = Random(c * m * 12, 6);
        var y = OpEvaluator.Run("ConvTranspose",
            [Tensor.FromFloats([n, c, .. inS], xs), Tensor.FromFloats([c, m, .. k], ws)],
            [Attr.Ints("strides", 2, 1, 2), Attr.Ints("dilations", 1, 2, 1), Attr.Ints("pads", 1, 0, 0, 0, 1, 1),
             Attr.Ints("output_padding", 1, 0, 0), Attr.Int("group", group)])[0]!;
        var outS = new int[3];
        for (int a = 0; a < 3; a++) outS[a] = s[a] * (inS[a] - 1) + op[a] + (k[a] - 1) * d[a] + 1 - pb[a] - pe[a];
        var expected = new float[n * m * outS[0] * outS[1] * outS[2]];
        int at = 0;
        for (int oc = 0; oc < m; oc++)
            for (int o0 = 0; o0 < outS[0]; o0++)
                for (int o1 = 0; o1 < outS[1]; o1++)
                    for (int o2 = 0; o2 < outS[2]; o2++)
                    {
                        double acc = 0;
                        for (int ic = 0; ic < c; ic++)
                            for (int i0 = 0; i0 < inS[0]; i0++) for (int i1 = 0; i1 < inS[1]; i1++) for (int i2 = 0; i2 < inS[2]; i2++)
                                for (int k0 = 0; k0 < k[0]; k0++) for (int k1 = 0; k1 < k[1]; k1++) for (int k2 = 0; k2 < k[2]; k2++)
                                {
                                    if (i0 * s[0] - pb[0] + k0 * d[0] != o0 || i1 * s[1] - pb[1] + k1 * d[1] != o1 || i2 * s[2] - pb[2] + k2 * d[2] != o2) continue;
                                    acc += xs[((ic * inS[0] + i0) * inS[1] + i1) * inS[2] + i2] * ws[(((ic * m + oc) * k[0] + k0) * k[1] + k1) * k[2] + k2];
                                }
                        expected[at++] = (float)acc;
                    }
        TensorAssert.Close([n, m, .. outS], expected, y, 1e-5, 1e-5);
    }

    [Fact]
    public void FlopsCountEveryScatteredProduct()
    {
        var op = (ConvTranspose)Build("ConvTranspose", 2, [Attr.Int("group", 2), Attr.Ints("strides", 2, 2)]);
        TensorInfo x = new(DataType.Float32, [1, 4, 5, 5]), w = new(DataType.Float32, [4, 3, 2, 2]);
        var outs = op.InferOutputs([x, w]);
        Assert.Equal([1, 6, 10, 10], outs[0].Shape);
        Assert.Equal(2L * (4 * 25) * (3 * 4), op.Flops([x, w], outs));
    }

    [Fact]
    public void RejectsInconsistentShapesAndAttributes()
    {
        var w = Tensor.FromFloats([1, 2, 3, 3], Fill(18, 1));
        Assert.Throws<GraphException>(() => OpEvaluator.Run("ConvTranspose", [Tensor.FromFloats([1, 2, 3, 3], Fill(18, 1)), w]));
        Assert.Throws<GraphException>(() => OpEvaluator.Run("ConvTranspose", [X3, w, Tensor.FromFloats([3], Fill(3, 0))]));
        Assert.Throws<GraphException>(() => OpEvaluator.Run("ConvTranspose", [X3, w], [Attr.Ints("output_shape", 10)]));
        Assert.Throws<GraphException>(() => OpEvaluator.Run("ConvTranspose", [X3, w], [Attr.Ints("output_padding", 1)]));
        Assert.Throws<GraphException>(() => OpEvaluator.Run("ConvTranspose", [X3, w], [Attr.Ints("output_padding", -1, 0)]));
        Assert.Throws<GraphException>(() => OpEvaluator.Run("ConvTranspose", [X3, w], [Attr.Ints("pads", 3, 3, 3, 3)]));
        Assert.Throws<GraphException>(() => OpEvaluator.Run("ConvTranspose", [X3, w], [Attr.Ints("kernel_shape", 2, 2)]));
        Assert.Throws<GraphException>(() => OpEvaluator.Run("ConvTranspose", [X3, w], [Attr.Int("group", 2)]));
    }
}
