using KernelVision.Execution;
using KernelVision.Graph;
using KernelVision.Tensors;
using Xunit;

namespace KernelVision.Tests.Ops.Layout;

public class ResizeTests
{
    private static Tensor Floats(float[] v) => Tensor.FromFloats([v.Length], v);

    private static Tensor Run(Tensor x, Tensor? roi, Tensor? scales, Tensor? sizes, params Graph.Attribute[] attrs) =>
        OpEvaluator.Run("Resize", [x, roi, scales, sizes], attrs, opset: 19)[0]!;

    [Fact]
    public void NearestHalfPixelUpsamplesByTwo()
    {
        // x_src = (x + 0.5) / 2 - 0.5 = -0.25, 0.25, 0.75, 1.25 → rounded 0, 0, 1, 1.
        var y = Run(Tensor.FromFloats([1, 2], [1, 2]), null, Floats([1, 2]), null);
        TensorAssert.Close([1, 4], [1, 1, 2, 2], y);
    }

    [Theory]
    // asymmetric 2→4: x_src = 0, 0.5, 1, 1.5; ties go down or up by nearest_mode.
    [InlineData("round_prefer_floor", new float[] { 1, 1, 2, 2 })]
    [InlineData("round_prefer_ceil", new float[] { 1, 2, 2, 2 })]
    [InlineData("floor", new float[] { 1, 1, 2, 2 })]
    [InlineData("ceil", new float[] { 1, 2, 2, 2 })]
    public void NearestModesRoundTies(string nearestMode, float[] expected)
    {
        var y = Run(Floats([1, 2]), null, null, Tensor.Vector(4),
            Attr.String("coordinate_transformation_mode", "asymmetric"), Attr.String("nearest_mode", nearestMode));
        TensorAssert.Close([4], expected, y);
    }

    [Theory]
    // asymmetric 4→3: x_src = 0, 1.333, 2.667.
    [InlineData("round_prefer_floor", new float[] { 10, 20, 40 })]
    [InlineData("floor", new float[] { 10, 20, 30 })]
    [InlineData("ceil", new float[] { 10, 30, 40 })]
    public void NearestModesDownsample(string nearestMode, float[] expected)
    {
        var y = Run(Floats([10, 20, 30, 40]), null, null, Tensor.Vector(3),
            Attr.String("coordinate_transformation_mode", "asymmetric"), Attr.String("nearest_mode", nearestMode));
        TensorAssert.Close([3], expected, y);
    }

    [Fact]
    public void LinearHalfPixelClampsAtEdges()
    {
        // x_src = -0.25 (clamped to 0), 0.25, 0.75, 1.25 (clamped to 1).
        var y = Run(Floats([1, 3]), null, Floats([2]), null, Attr.String("mode", "linear"));
        TensorAssert.Close([4], [1, 1.5f, 2.5f, 3], y);
    }

    [Fact]
    public void BilinearAlignCornersReproducesAPlane()
    {
        // X = 2i + j; align_corners 2→3 samples i, j ∈ {0, 0.5, 1}; bilinear is exact on a plane.
        var x = Tensor.FromFloats([1, 1, 2, 2], [0, 1, 2, 3]);
        var y = Run(x, null, null, Tensor.Vector(1, 1, 3, 3),
            Attr.String("mode", "linear"), Attr.String("coordinate_transformation_mode", "align_corners"));
        TensorAssert.Close([1, 1, 3, 3], [0, 0.5f, 1, 1, 1.5f, 2, 2, 2.5f, 3], y);
    }

    [Fact]
    public void LinearPytorchHalfPixelSinglesOutputSamplesTheFirstElement()
    {
        var y = Run(Floats([5, 7, 9]), null, null, Tensor.Vector(1),
            Attr.String("mode", "linear"), Attr.String("coordinate_transformation_mode", "pytorch_half_pixel"));
        TensorAssert.Close([1], [5], y);
    }

    // Keys kernel with a = -0.75 at distances 0.5 and 1.5 (hand-computed): 0.59375 and -0.09375.
    private const float K05 = 0.59375f, K15 = -0.09375f;

    [Fact]
    public void CubicAsymmetricUpsample()
    {
        // 4→8, x_src = x / 2. Integer x_src copies; half-way points use taps at -1, 0, +1, +2 (clamped to the edge).
        var y = Run(Floats([1, 2, 4, 8]), null, Floats([2]), null,
            Attr.String("mode", "cubic"), Attr.String("coordinate_transformation_mode", "asymmetric"));
        float Mid(float a, float b, float c, float d) => K15 * a + K05 * b + K05 * c + K15 * d;
        TensorAssert.Close([8], [
            1, Mid(1, 1, 2, 4),
            2, Mid(1, 2, 4, 8),
            4, Mid(2, 4, 8, 8),
            8, Mid(4, 8, 8, 8),
        ], y);
        Assert.Equal(2.71875f, y.Floats[3], 5);
    }

    [Fact]
    public void CubicExcludeOutsideRenormalisesInsideTaps()
    {
        // x_src = 0.5: tap -1 lies outside and is dropped; weights 0.59375, 0.59375, -0.09375 over 1.09375 → 9/7.
        var y = Run(Floats([1, 2, 4, 8]), null, Floats([2]), null,
            Attr.String("mode", "cubic"), Attr.String("coordinate_transformation_mode", "asymmetric"), Attr.Int("exclude_outside", 1));
        Assert.Equal(9f / 7f, y.Floats[1], 5);
        Assert.Equal(2f, y.Floats[2], 5);
    }

    [Fact]
    public void CubicCoefficientAChangesWeights()
    {
        // a = -0.5 at distances 0.5 and 1.5: 0.5625 and -0.0625.
        var y = Run(Floats([1, 2, 4, 8]), null, Floats([2]), null,
            Attr.String("mode", "cubic"), Attr.String("coordinate_transformation_mode", "asymmetric"), Attr.Float("cubic_coeff_a", -0.5f));
        Assert.Equal(-0.0625f * 1 + 0.5625f * 2 + 0.5625f * 4 - 0.0625f * 8, y.Floats[3], 5);
    }

    [Fact]
    public void LinearAntialiasWidensTheTentWhenDownsampling()
    {
        // 4→2, x_src = 0.5 and 2.5; the tent is stretched to 4 taps with weights 1/8, 3/8, 3/8, 1/8.
        var x = Floats([0, 1, 2, 3]);
        var plain = Run(x, null, Floats([0.5f]), null, Attr.String("mode", "linear"));
        TensorAssert.Close([2], [0.5f, 2.5f], plain);
        var aa = Run(x, null, Floats([0.5f]), null, Attr.String("mode", "linear"), Attr.Int("antialias", 1));
        TensorAssert.Close([2], [0.375f * 1 + 0.125f * 2, 0.125f * 1 + 0.375f * 2 + 0.375f * 3 + 0.125f * 3], aa);
    }

    [Fact]
    public void TfCropAndResizeSamplesTheRoi()
    {
        // roi [0.25, 0.75] of 5 elements: x_src = x·0.5·4/2 + 1 = 1, 2, 3.
        var y = Run(Floats([0, 10, 20, 30, 40]), Floats([0.25f, 0.75f]), null, Tensor.Vector(3),
            Attr.String("mode", "linear"), Attr.String("coordinate_transformation_mode", "tf_crop_and_resize"));
        TensorAssert.Close([3], [10, 20, 30], y);
    }

    [Fact]
    public void TfCropAndResizeExtrapolatesOutsideTheInput()
    {
        // roi [0.5, 1.5]: x_src = 2, 4, 6; 6 lies beyond the last element.
        var y = Run(Floats([0, 10, 20, 30, 40]), Floats([0.5f, 1.5f]), null, Tensor.Vector(3),
            Attr.String("mode", "linear"), Attr.String("coordinate_transformation_mode", "tf_crop_and_resize"),
            Attr.Float("extrapolation_value", -1));
        TensorAssert.Close([3], [20, 40, -1], y);
    }

    [Fact]
    public void AxesSelectWhichDimsScale()
    {
        var y = Run(Tensor.FromFloats([2, 2], [1, 2, 3, 4]), null, Floats([2]), null, Attr.Ints("axes", -1));
        TensorAssert.Close([2, 4], [1, 1, 2, 2, 3, 3, 4, 4], y);
    }

    [Theory]
    [InlineData("stretch", new[] { 4, 4 })]
    [InlineData("not_larger", new[] { 2, 4 })]
    [InlineData("not_smaller", new[] { 4, 8 })]
    public void KeepAspectRatioPolicyShapesOutput(string policy, int[] expected)
    {
        var x = Tensor.FromFloats([2, 4], new float[8]);
        var y = Run(x, null, null, Tensor.Vector(4, 4), Attr.String("keep_aspect_ratio_policy", policy));
        Assert.Equal(expected, y.Shape);
    }

    [Fact]
    public void ScalesFloorTheOutputLength()
    {
        var y = Run(Tensor.FromFloats([1, 5], new float[5]), null, Floats([1, 0.5f]), null);
        Assert.Equal([1, 2], y.Shape);
    }

    [Fact]
    public void Opset10UsesAsymmetricCoordinates()
    {
        var up = OpEvaluator.Run("Resize", [Floats([1, 2]), Floats([2])], opset: 10)[0];
        TensorAssert.Close([4], [1, 1, 2, 2], up);
        // Downsampling rounds up, as the opset-10 test data and onnxruntime do: x_src = 0, 1.67 → 0, 2.
        var down = OpEvaluator.Run("Resize", [Floats([1, 2, 3, 4]), Floats([0.6f])], opset: 10)[0];
        TensorAssert.Close([2], [1, 3], down);
    }

    [Fact]
    public void Opset11TreatsEmptyRoiAndScalesAsOmitted()
    {
        var y = OpEvaluator.Run("Resize", [Floats([1, 2]), Floats([]), Floats([]), Tensor.Vector(4)], opset: 11)[0];
        TensorAssert.Close([4], [1, 1, 2, 2], y);
    }

    [Fact]
    public void NearestCopiesIntegers()
    {
        var y = Run(Tensor.Vector(7, -3), null, Floats([2]), null);
        Assert.Equal(DataType.Int64, y.Type);
        Assert.Equal([7L, 7, -3, -3], y.Int64s.ToArray());
    }

    [Fact]
    public void RejectsLinearOnIntegers()
    {
        Assert.Throws<UnsupportedException>(() => Run(Tensor.Vector(7, -3), null, Floats([2]), null, Attr.String("mode", "linear")));
    }

    [Fact]
    public void RejectsBothScalesAndSizes()
    {
        Assert.Throws<GraphException>(() => Run(Floats([1, 2]), null, Floats([2]), Tensor.Vector(4)));
    }

    [Fact]
    public void RejectsNeitherScalesNorSizes()
    {
        Assert.Throws<GraphException>(() => Run(Floats([1, 2]), null, null, null));
    }

    [Fact]
    public void RejectsScalesOfWrongLength()
    {
        Assert.Throws<GraphException>(() => Run(Tensor.FromFloats([1, 2], [1, 2]), null, Floats([2]), null));
    }

    [Fact]
    public void RejectsSizesNotMatchingAxes()
    {
        Assert.Throws<GraphException>(() => Run(Tensor.FromFloats([1, 2], [1, 2]), null, null, Tensor.Vector(1, 4), Attr.Ints("axes", 1)));
    }

    [Theory]
    [InlineData(0f)]
    [InlineData(-2f)]
    [InlineData(float.NaN)]
    public void RejectsNonPositiveScales(float scale)
    {
        Assert.Throws<GraphException>(() => Run(Floats([1, 2]), null, Floats([scale]), null));
    }

    [Fact]
    public void RejectsNegativeSizes()
    {
        Assert.Throws<GraphException>(() => Run(Floats([1, 2]), null, null, Tensor.Vector(-1)));
    }

    [Fact]
    public void RejectsRepeatedAxes()
    {
        Assert.Throws<GraphException>(() => Run(Tensor.FromFloats([1, 2], [1, 2]), null, Floats([2, 2]), null, Attr.Ints("axes", 1, -1)));
    }

    [Fact]
    public void RejectsCropWithoutOrWithWrongRoi()
    {
        var crop = Attr.String("coordinate_transformation_mode", "tf_crop_and_resize");
        Assert.Throws<GraphException>(() => Run(Floats([1, 2]), null, null, Tensor.Vector(3), crop));
        Assert.Throws<GraphException>(() => Run(Floats([1, 2]), Floats([0, 0.5f, 1]), null, Tensor.Vector(3), crop));
    }

    [Fact]
    public void RejectsUnknownModes()
    {
        Assert.Throws<UnsupportedException>(() => Run(Floats([1, 2]), null, Floats([2]), null, Attr.String("mode", "area")));
        Assert.Throws<UnsupportedException>(() => Run(Floats([1, 2]), null, Floats([2]), null, Attr.String("coordinate_transformation_mode", "corner")));
        Assert.Throws<UnsupportedException>(() => Run(Floats([1, 2]), null, Floats([2]), null, Attr.String("nearest_mode", "nearest")));
        Assert.Throws<UnsupportedException>(() => Run(Floats([1, 2]), null, null, Tensor.Vector(4), Attr.String("keep_aspect_ratio_policy", "fit")));
    }

    [Fact]
    public void RejectsCubicInOpset10()
    {
        Assert.Throws<UnsupportedException>(() => OpEvaluator.Run("Resize", [Floats([1, 2]), Floats([2])], [Attr.String("mode", "cubic")], opset: 10));
    }
}
