using KernelVision.Backends.Reference;
using KernelVision.Execution;
using KernelVision.Graph;
using KernelVision.Ops;
using KernelVision.Ops.Neural;
using KernelVision.Tensors;
using Xunit;
using static KernelVision.Tests.Ops.Neural.NeuralTestUtil;

namespace KernelVision.Tests.Ops.Neural;

public class ConvTests
{
    private static readonly Tensor X5 = Tensor.FromFloats([1, 1, 5, 5], Seq(25));
    private static readonly Tensor Ones3 = Tensor.FromFloats([1, 1, 3, 3], Fill(9, 1));

    [Fact]
    public void SumsWindowWithoutPadding()
    {
        var y = OpEvaluator.Run("Conv", [X5, Ones3], [Attr.Ints("kernel_shape", 3, 3), Attr.Ints("pads", 0, 0, 0, 0)])[0];
        TensorAssert.Close([1, 1, 3, 3], [54, 63, 72, 99, 108, 117, 144, 153, 162], y);
    }

    [Fact]
    public void ZeroPaddingKeepsSize()
    {
        var y = OpEvaluator.Run("Conv", [X5, Ones3], [Attr.Ints("pads", 1, 1, 1, 1)])[0];
        TensorAssert.Close([1, 1, 5, 5], [
            12, 21, 27, 33, 24,
            33, 54, 63, 72, 51,
            63, 99, 108, 117, 81,
            93, 144, 153, 162, 111,
            72, 111, 117, 123, 84], y);
    }

    [Fact]
    public void StridesAndAsymmetricPadding()
    {
        var x = Tensor.FromFloats([1, 1, 7, 5], Seq(35));
        var strided = OpEvaluator.Run("Conv", [x, Ones3], [Attr.Ints("strides", 2, 2), Attr.Ints("pads", 1, 1, 1, 1)])[0];
        TensorAssert.Close([1, 1, 4, 3], [12, 27, 24, 63, 108, 81, 123, 198, 141, 112, 177, 124], strided);
        // pads [top=1, left=0, bottom=1, right=0]
        var asym = OpEvaluator.Run("Conv", [x, Ones3], [Attr.Ints("strides", 2, 2), Attr.Ints("pads", 1, 0, 1, 0)])[0];
        TensorAssert.Close([1, 1, 4, 2], [21, 33, 99, 117, 189, 207, 171, 183], asym);
    }

    [Fact]
    public void AutoPadSameLowerPutsExtraPixelFirst()
    {
        // 5 / stride 2 → 3 outputs; total pad 2 → 1 each side; SAME_UPPER is identical here.
        var y = OpEvaluator.Run("Conv", [X5, Ones3], [Attr.String("auto_pad", "SAME_LOWER"), Attr.Ints("strides", 2, 2)])[0];
        TensorAssert.Close([1, 1, 3, 3], [12, 27, 24, 63, 108, 81, 72, 117, 84], y);
        // 1-D, kernel 2, stride 1: total pad 1, before (lower) or after (upper) the input.
        var x = Tensor.FromFloats([1, 1, 3], [1, 2, 3]);
        var w = Tensor.FromFloats([1, 1, 2], [1, 10]);
        var lower = OpEvaluator.Run("Conv", [x, w], [Attr.String("auto_pad", "SAME_LOWER")])[0];
        TensorAssert.Close([1, 1, 3], [10, 21, 32], lower);
        var upper = OpEvaluator.Run("Conv", [x, w], [Attr.String("auto_pad", "SAME_UPPER")])[0];
        TensorAssert.Close([1, 1, 3], [21, 32, 3], upper);
        var valid = OpEvaluator.Run("Conv", [x, w], [Attr.String("auto_pad", "VALID")])[0];
        TensorAssert.Close([1, 1, 2], [21, 32], valid);
    }

    [Fact]
    public void DilationSpreadsTaps()
    {
        var x = Tensor.FromFloats([1, 1, 5], [1, 2, 3, 4, 5]);
        var w = Tensor.FromFloats([1, 1, 2], [1, 10]);
        var y = OpEvaluator.Run("Conv", [x, w], [Attr.Ints("dilations", 2)])[0];
        TensorAssert.Close([1, 1, 3], [31, 42, 53], y);
    }

    [Fact]
    public void GroupedConvWithBias()
    {
        // group = 2 = C: depthwise. ch0 uses [1,-1], ch1 uses [2,0].
        var x = Tensor.FromFloats([1, 2, 3], [1, 2, 3, 4, 5, 6]);
        var w = Tensor.FromFloats([2, 1, 2], [1, -1, 2, 0]);
        var b = Tensor.FromFloats([2], [10, 20]);
        var y = OpEvaluator.Run("Conv", [x, w, b], [Attr.Int("group", 2)])[0];
        TensorAssert.Close([1, 2, 2], [9, 9, 28, 30], y);
    }

    [Fact]
    public void DepthwiseWithMultiplier()
    {
        // C = 2, group = 2, M = 4: output channels 0,1 read input 0; 2,3 read input 1.
        var x = Tensor.FromFloats([1, 2, 2], [1, 2, 3, 4]);
        var w = Tensor.FromFloats([4, 1, 1], [1, 2, 3, 4]);
        var y = OpEvaluator.Run("Conv", [x, w], [Attr.Int("group", 2)])[0];
        TensorAssert.Close([1, 4, 2], [1, 2, 2, 4, 9, 12, 12, 16], y);
    }

    [Fact]
    public void ThreeDimensionalKernelInferredFromWeight()
    {
        var x = Tensor.FromFloats([1, 1, 2, 2, 3], Seq(12, 1));
        var w = Tensor.FromFloats([1, 1, 2, 2, 2], Fill(8, 1));
        var y = OpEvaluator.Run("Conv", [x, w])[0];
        // Windows start at last-axis offsets 0 and 1: 1+2+4+5+7+8+10+11 = 48, then +8.
        TensorAssert.Close([1, 1, 1, 1, 2], [48, 56], y);
    }

    [Fact]
    public void MatchesNaive2DFormula()
    {
        // Batch 2, C 4, group 2, M 6, stride (2,1), dilation (1,2), asymmetric pads, bias.
        int n = 2, c = 4, h = 7, wd = 6, m = 6, group = 2, kh = 3, kw = 2;
        int[] s = [2, 1], d = [1, 2], pb = [1, 0], pe = [0, 2];
        var xs = Random(n * c * h * wd, 1);
        var ws = Random(m * (c / group) * kh * kw, 2);
        var bs = Random(m, 3);
        var y = OpEvaluator.Run("Conv",
            [Tensor.FromFloats([n, c, h, wd], xs), Tensor.FromFloats([m, c / group, kh, kw], ws), Tensor.FromFloats([m], bs)],
            [Attr.Int("group", group), Attr.Ints("strides", 2, 1), Attr.Ints("dilations", 1, 2), Attr.Ints("pads", 1, 0, 0, 2)])[0]!;

        int oh = (h + pb[0] + pe[0] - ((kh - 1) * d[0] + 1)) / s[0] + 1;
        int ow = (wd + pb[1] + pe[1] - ((kw - 1) * d[1] + 1)) / s[1] + 1;
        var expected = new float[n * m * oh * ow];
        for (int b = 0; b < n; b++)
            for (int oc = 0; oc < m; oc++)
                for (int i = 0; i < oh; i++)
                    for (int j = 0; j < ow; j++)
                    {
                        double acc = bs[oc];
                        int g = oc / (m / group);
                        for (int ic = 0; ic < c / group; ic++)
                            for (int a = 0; a < kh; a++)
                                for (int e = 0; e < kw; e++)
                                {
                                    int r = i * s[0] - pb[0] + a * d[0], q = j * s[1] - pb[1] + e * d[1];
                                    if (r < 0 || r >= h || q < 0 || q >= wd) continue;
                                    acc += xs[((b * c + g * (c / group) + ic) * h + r) * wd + q] * ws[((oc * (c / group) + ic) * kh + a) * kw + e];
                                }
                        expected[((b * m + oc) * oh + i) * ow + j] = (float)acc;
                    }
        TensorAssert.Close([n, m, oh, ow], expected, y, 1e-5, 1e-5);
    }

    [Fact]
    public void FusedActivationAppliesAfterBias()
    {
        var conv = (Conv)Build("Conv", 3);
        Assert.Equal(ActivationKind.None, conv.Activation.Kind);
        conv.Activation = new FusedActivation(ActivationKind.Relu);
        var x = Tensor.FromFloats([1, 1, 3], [1, 2, 3]);
        var w = Tensor.FromFloats([2, 1, 1], [1, -1]);
        var b = Tensor.FromFloats([2], [0, 2.5f]);
        var y = OpEvaluator.Evaluate(conv, ReferenceBackend.Instance, [x, w, b])[0];
        // ch1 before activation: 1.5, 0.5, -0.5.
        TensorAssert.Close([1, 2, 3], [1, 2, 3, 1.5f, 0.5f, 0], y);
    }

    [Fact]
    public void FusedResidualIsAddedBeforeTheActivation()
    {
        var conv = (Conv)Build("Conv", 4);
        conv.Residual = true;
        conv.Activation = new FusedActivation(ActivationKind.Relu);
        var x = Tensor.FromFloats([1, 1, 3], [1, 2, 3]);
        var w = Tensor.FromFloats([2, 1, 1], [1, -1]);
        var b = Tensor.FromFloats([2], [0, 2.5f]);
        var z = Tensor.FromFloats([1, 2, 3], [-2, 0, 1, 1, -1, 0.25f]);
        var y = OpEvaluator.Evaluate(conv, ReferenceBackend.Instance, [x, w, b, z])[0];
        // conv + bias: ch0 1, 2, 3; ch1 1.5, 0.5, −0.5. Plus Z: −1, 2, 4; 2.5, −0.5, −0.25. Then ReLU.
        TensorAssert.Close([1, 2, 3], [0, 2, 4, 2.5f, 0, 0], y);
        // Without the bias (input 2 empty), and with a Z that broadcasts along the channels and widens the batch, as the Add did.
        var zb = Tensor.FromFloats([2, 1, 3], [1, 1, 1, 0, -3, 0]);
        conv.Activation = default;
        y = OpEvaluator.Evaluate(conv, ReferenceBackend.Instance, [x, w, null, zb])[0];
        TensorAssert.Close([2, 2, 3], [2, 3, 4, 0, -1, -2, 1, -1, 3, -1, -5, -3], y);
        Assert.Throws<GraphException>(() => OpEvaluator.Evaluate(conv, ReferenceBackend.Instance, [x, w, b, Tensor.FromFloats([1, 3, 3], Fill(9, 0))]));
        Assert.Throws<GraphException>(() => OpEvaluator.Evaluate(conv, ReferenceBackend.Instance, [x, w, b]));
        Assert.Throws<GraphException>(() => OpEvaluator.Evaluate(conv, ReferenceBackend.Instance, [x, w, b, Tensor.Zeros(DataType.Float64, [1, 2, 3])]));
    }

    [Fact]
    public void FusedInputNormalizationRunsBeforeTheConvolution()
    {
        var conv = (Conv)Build("Conv", 8);
        var bn = (BatchNormalization)Build("BatchNormalization", 5, [Attr.Float("epsilon", 0f)]);
        conv.InputNormalization = bn;
        var x = Tensor.FromFloats([1, 2, 1, 2], [1, 3, -2, 4]);
        var w = Tensor.FromFloats([1, 2, 1, 1], [1, 10]);
        Tensor scale = Tensor.FromFloats([2], [2, 1]), beta = Tensor.FromFloats([2], [0, 1]), mean = Tensor.FromFloats([2], [1, 0]), variance = Tensor.FromFloats([2], [4, 1]);
        // BN: ch0 (x − 1)·2/√4 + 0 = 0, 2; ch1 (x − 0)·1/√1 + 1 = −1, 5. Conv: ch0 + 10·ch1.
        var y = OpEvaluator.Evaluate(conv, ReferenceBackend.Instance, [x, w, null, null, scale, beta, mean, variance])[0];
        TensorAssert.Close([1, 1, 1, 2], [-10, 52], y);
        bn.Activation = new FusedActivation(ActivationKind.Relu); // ch1 becomes 0, 5
        y = OpEvaluator.Evaluate(conv, ReferenceBackend.Instance, [x, w, null, null, scale, beta, mean, variance])[0];
        TensorAssert.Close([1, 1, 1, 2], [0, 52], y);
        // The BatchNormalization's own validation names it.
        var e = Assert.Throws<GraphException>(() => OpEvaluator.Evaluate(conv, ReferenceBackend.Instance, [x, w, null, null, scale, beta, mean, Tensor.FromFloats([3], [1, 1, 1])]));
        Assert.Contains("batchnormalization_test", e.Message);
        Assert.Throws<GraphException>(() => OpEvaluator.Evaluate(conv, ReferenceBackend.Instance, [x, w]));
    }

    [Fact]
    public void ResolveExposesPadsAndOutput()
    {
        var conv = (Conv)Build("Conv", 2, [Attr.String("auto_pad", "SAME_UPPER"), Attr.Ints("strides", 2, 2)]);
        var g = conv.Resolve([1, 3, 8, 7], [4, 3, 3, 2]);
        Assert.Equal([4, 4], g.OutputSpatial);
        // axis 0: total (4−1)·2+3−8 = 1 → [0, 1]; axis 1: (4−1)·2+2−7 = 1 → [0, 1].
        Assert.Equal([0, 0], g.PadsBegin);
        Assert.Equal([1, 1], g.PadsEnd);
        Assert.Equal(AutoPad.SameUpper, conv.AutoPad);
        Assert.Equal([2, 2], conv.Strides);
        Assert.Empty(conv.KernelShape);
    }

    [Fact]
    public void FlopsAreTwiceTheMultiplyAdds()
    {
        var conv = (Conv)Build("Conv", 2, [Attr.Int("group", 2)]);
        TensorInfo x = new(DataType.Float32, [2, 4, 8, 8]), w = new(DataType.Float32, [6, 2, 3, 3]);
        var outs = conv.InferOutputs([x, w]);
        Assert.Equal([2, 6, 6, 6], outs[0].Shape);
        Assert.Equal(2L * (2 * 6 * 6 * 6) * (2 * 3 * 3), conv.Flops([x, w], outs));
    }

    [Fact]
    public void RejectsInconsistentShapesAndAttributes()
    {
        var x = Tensor.FromFloats([1, 2, 4, 4], Fill(32, 1));
        var w = Tensor.FromFloats([2, 2, 3, 3], Fill(36, 1));
        Assert.Throws<GraphException>(() => OpEvaluator.Run("Conv", [x, Tensor.FromFloats([2, 3, 3, 3], Fill(54, 1))]));
        Assert.Throws<GraphException>(() => OpEvaluator.Run("Conv", [x, w, Tensor.FromFloats([3], Fill(3, 0))]));
        Assert.Throws<GraphException>(() => OpEvaluator.Run("Conv", [x, w], [Attr.Ints("kernel_shape", 2, 2)]));
        Assert.Throws<GraphException>(() => OpEvaluator.Run("Conv", [x, w], [Attr.Ints("pads", -1, 0, 0, 0)]));
        Assert.Throws<GraphException>(() => OpEvaluator.Run("Conv", [x, w], [Attr.Ints("pads", 1, 1)]));
        Assert.Throws<GraphException>(() => OpEvaluator.Run("Conv", [x, w], [Attr.Ints("strides", 0, 1)]));
        Assert.Throws<GraphException>(() => OpEvaluator.Run("Conv", [x, w], [Attr.String("auto_pad", "SAME")]));
        Assert.Throws<GraphException>(() => OpEvaluator.Run("Conv", [x, w], [Attr.String("auto_pad", "VALID"), Attr.Ints("pads", 1, 1, 1, 1)]));
        Assert.Throws<GraphException>(() => OpEvaluator.Run("Conv", [x, Tensor.FromFloats([3, 1, 3, 3], Fill(27, 1))], [Attr.Int("group", 2)]));
        Assert.Throws<GraphException>(() => OpEvaluator.Run("Conv", [x, Tensor.FromFloats([1, 2, 5, 5], Fill(50, 1))]));
        Assert.Throws<GraphException>(() => OpEvaluator.Run("Conv", [Tensor.FromFloats([2, 4], Fill(8, 1)), Tensor.FromFloats([1, 4], Fill(4, 1))]));
        Assert.Throws<GraphException>(() => OpEvaluator.Run("Conv", [x]));
        Assert.Throws<UnsupportedException>(() => OpEvaluator.Run("Conv",
            [Tensor.FromInt64s([1, 1, 2], [1, 2]), Tensor.FromInt64s([1, 1, 1], [1])]));
    }
}
