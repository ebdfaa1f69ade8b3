using KernelVision.Graph;
using KernelVision.Tensors;
using Xunit;
using static KernelVision.Cpu.Tests.CpuVsReference;
using OnnxAttribute = KernelVision.Graph.Attribute;

namespace KernelVision.Cpu.Tests.Kernels.Layout;

public class ResizeCpuTests
{
    private static Tensor F(params float[] v) => Tensor.FromFloats([v.Length], v);
    private static readonly Tensor None = F();

    private static readonly string[] Coordinates =
        ["half_pixel", "half_pixel_symmetric", "pytorch_half_pixel", "align_corners", "asymmetric", "tf_half_pixel_for_nn"];

    /// <summary>Up, down and mixed scales, incl. non-integer ones, on a ragged 4-D input.</summary>
    private static readonly float[][] Scales = [[1, 1, 2, 2], [1, 1, 0.5f, 0.6f], [1, 1, 1.5f, 0.75f], [1, 1, 3, 1], [1, 1, 0.34f, 2.6f]];

    [Theory]
    [InlineData("round_prefer_floor")]
    [InlineData("round_prefer_ceil")]
    [InlineData("floor")]
    [InlineData("ceil")]
    public void NearestMatchesReferenceExactly(string nearestMode)
    {
        var rng = new Random(nearestMode.Length);
        var x = Random(rng, [2, 3, 7, 10]);
        var ints = RandomInts(rng, DataType.Int32, [1, 2, 5, 6], -100, 100);
        foreach (var coord in Coordinates)
            foreach (var s in Scales)
            {
                OnnxAttribute[] attrs = [Attr.String("mode", "nearest"), Attr.String("nearest_mode", nearestMode),
                    Attr.String("coordinate_transformation_mode", coord)];
                Check("Resize", [x, None, F(s)], attrs, opset: 19, exact: true);
                Check("Resize", [ints, None, F(s)], attrs, opset: 19, exact: true);
            }
    }

    [Fact]
    public void NearestDoublingRowsMatchReferenceExactly()
    {
        // U-Net's 2× nearest upsampling (asymmetric, floor): whole rows doubled with vector unpacks;
        // widths below, at and past one vector (8 and 16 lanes), odd output sizes (the last input element
        // once), rows written three times (3× along the height), NaN and ±0.
        var rng = new Random(9);
        OnnxAttribute[] attrs = [Attr.String("mode", "nearest"), Attr.String("nearest_mode", "floor"),
            Attr.String("coordinate_transformation_mode", "asymmetric")];
        foreach (int w in new[] { 1, 3, 7, 8, 9, 16, 24, 37, 70 })
        {
            var x = Random(rng, [1, 2, 3, w]);
            x.Floats[0] = float.NaN;
            x.Floats[^1] = -0f;
            Check("Resize", [x, None, F(1, 1, 2, 2)], attrs, opset: 19, exact: true);
            Check("Resize", [x, None, None, Tensor.Vector(1, 2, 6, 2 * w - 1)], attrs, opset: 19, exact: true);
            Check("Resize", [x, None, F(1, 1, 3, 2)], attrs, opset: 19, exact: true);
        }
    }

    [Theory]
    [InlineData("linear")]
    [InlineData("cubic")]
    public void FilteredModesMatchReference(string mode)
    {
        var rng = new Random(mode.Length);
        var x = Random(rng, [2, 3, 7, 10]);
        foreach (var coord in Coordinates)
        {
            if (coord == "tf_half_pixel_for_nn") continue;
            foreach (var s in Scales)
                foreach (int antialias in new[] { 0, 1 })
                    Check("Resize", [x, None, F(s)], [Attr.String("mode", mode), Attr.String("coordinate_transformation_mode", coord),
                        Attr.Int("antialias", antialias)], opset: 19);
        }
        Check("Resize", [x, None, F(1, 1, 1.7f, 0.8f)], [Attr.String("mode", mode), Attr.Float("cubic_coeff_a", -0.5f),
            Attr.Int("exclude_outside", 1)], opset: 19);
    }

    [Theory]
    [InlineData("nearest")]
    [InlineData("linear")]
    [InlineData("cubic")]
    public void CropAndResizeWithExtrapolation(string mode)
    {
        var rng = new Random(mode.Length + 1);
        var x = Random(rng, [1, 2, 6, 8]);
        var roi = F(0, 0, -0.2f, 0.1f, 1, 1, 0.7f, 1.3f);
        OnnxAttribute[] attrs = [Attr.String("mode", mode), Attr.String("coordinate_transformation_mode", "tf_crop_and_resize"),
            Attr.Float("extrapolation_value", -7f)];
        Check("Resize", [x, roi, F(1, 1, 1.5f, 0.8f)], attrs, opset: 19, exact: mode == "nearest");
        Check("Resize", [x, roi, None, Tensor.Vector(1, 2, 5, 11)], attrs, opset: 19, exact: mode == "nearest");
        // roi on an axis whose length does not change: that axis must still be resampled.
        Check("Resize", [x, F(0, 0, 0.25f, 0, 1, 1, 0.75f, 1), None, Tensor.Vector(1, 2, 6, 8)], attrs, opset: 19, exact: mode == "nearest");
    }

    [Fact]
    public void SizesAxesAndAspectPolicies()
    {
        var rng = new Random(9);
        var x = Random(rng, [1, 3, 9, 12]);
        Check("Resize", [x, None, None, Tensor.Vector(1, 3, 20, 7)], [Attr.String("mode", "linear")], opset: 19);
        Check("Resize", [x, None, None, Tensor.Vector(5, 6)], [Attr.String("mode", "linear"), Attr.Ints("axes", 2, 3)], opset: 19);
        Check("Resize", [x, None, F(1.5f, 0.5f)], [Attr.String("mode", "cubic"), Attr.Ints("axes", -1, -2)], opset: 19);
        foreach (var policy in new[] { "not_larger", "not_smaller" })
            Check("Resize", [x, None, None, Tensor.Vector(20, 20)], [Attr.String("mode", "linear"), Attr.Ints("axes", 2, 3),
                Attr.String("keep_aspect_ratio_policy", policy)], opset: 19);
        Check("Resize", [x, F(2, 2, 1.5f, 1.5f)], opset: 10, exact: true);
        Check("Resize", [x, None, F(1, 1, 1, 1)], [Attr.String("mode", "linear")], opset: 13, exact: true);
    }

    [Fact]
    public void OtherRanksAndLargeTensors()
    {
        var rng = new Random(10);
        Check("Resize", [Random(rng, [13]), None, F(2.5f)], [Attr.String("mode", "linear")], opset: 13);
        Check("Resize", [Random(rng, [2, 3, 4, 5, 6]), None, F(1, 2, 1.5f, 0.5f, 2)], [Attr.String("mode", "linear")], opset: 13);
        Check("Resize", [Random(rng, [2, 3, 4, 5, 6]), None, F(1, 1, 2, 2, 3)], opset: 13, exact: true);
        var big = Random(rng, [1, 64, 56, 56]);
        Check("Resize", [big, None, F(1, 1, 2, 2)], opset: 13, exact: true);
        Check("Resize", [big, None, F(1, 1, 2, 2)], [Attr.String("mode", "linear")], opset: 13);
        Check("Resize", [big, None, F(1, 1, 2, 2)], [Attr.String("mode", "linear"), Attr.String("coordinate_transformation_mode", "align_corners")], opset: 13);
        var d = Tensor.Zeros(DataType.Float64, [1, 1, 3, 3]);
        for (int i = 0; i < 9; i++) d.Doubles[i] = i * 0.5;
        Check("Resize", [d, None, F(1, 1, 2, 2)], [Attr.String("mode", "linear")], opset: 13, exact: true);
        Check("Resize", [d, None, F(1, 1, 2, 2)], opset: 13, exact: true);
    }
}
