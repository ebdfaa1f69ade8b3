using KernelVision.Tensors;
using Xunit;

namespace KernelVision.Vision.Tests;

public class DetectionTests
{
    private static readonly DetectionSpec TwoByTwo = new() { Output = "y", Grid = 2, Anchors = [(1f, 1f)], NumClasses = 2 };

    /// <summary>[1, 7, 2, 2] head output; every cell's objectness logit is -10 except the given cell.</summary>
    private static Tensor Head(int row, int col, float tx, float ty, float tw, float th, float obj, float c0, float c1)
    {
        var f = new float[7 * 4];
        for (int cell = 0; cell < 4; cell++) f[4 * 4 + cell] = -10;
        int at = row * 2 + col;
        float[] v = [tx, ty, tw, th, obj, c0, c1];
        for (int ch = 0; ch < 7; ch++) f[ch * 4 + at] = v[ch];
        return Tensor.FromFloats([1, 7, 2, 2], f);
    }

    [Fact]
    public void DecodeFollowsTheContractFormulas()
    {
        // Cell (row 1, col 0), tx = ty = 0 -> σ = 0.5: centre ((0.5 + 0) / 2, (0.5 + 1) / 2) = (0.25, 0.75).
        // tw = ln 2, th = 0 with a 1x1 anchor: w = 2 / 2 = 1, h = 1 / 2 = 0.5.
        // σ(obj = 0) = 0.5; class logits (0, ln 3) -> softmax (0.25, 0.75): scores 0.125 and 0.375.
        var boxes = YoloDecoder.Decode(Head(1, 0, 0, 0, MathF.Log(2), 0, 0, 0, MathF.Log(3)), 0, TwoByTwo, 0.1f);
        Assert.Equal(2, boxes.Count);
        var b1 = boxes.Single(b => b.ClassId == 1);
        Assert.Equal(0.375f, b1.Score, 5);
        Assert.Equal(-0.25f, b1.X1, 5);
        Assert.Equal(0.75f, b1.X2, 5);
        Assert.Equal(0.5f, b1.Y1, 5);
        Assert.Equal(1.0f, b1.Y2, 5);
        Assert.Equal(0.125f, boxes.Single(b => b.ClassId == 0).Score, 5);

        // Threshold between the two scores keeps only class 1; best-class-only mode keeps class 1 as well.
        Assert.Single(YoloDecoder.Decode(Head(1, 0, 0, 0, 0, 0, 0, 0, MathF.Log(3)), 0, TwoByTwo, 0.2f));
        var best = YoloDecoder.Decode(Head(1, 0, 0, 0, 0, 0, 0, 0, MathF.Log(3)), 0, TwoByTwo, 0.1f, allClasses: false);
        Assert.Equal(1, Assert.Single(best).ClassId);
    }

    [Fact]
    public void DecodeUsesTheAnchorChannelBlocks()
    {
        // Two anchors (1x1 and 2x2 cells): channels 0..6 anchor 0, 7..13 anchor 1. Only anchor 1 is confident.
        var spec = TwoByTwo with { Anchors = [(1f, 1f), (2f, 2f)] };
        var f = new float[14 * 4];
        for (int cell = 0; cell < 4; cell++) { f[4 * 4 + cell] = -20; f[11 * 4 + cell] = -20; }
        f[11 * 4 + 3] = 20; // anchor 1 objectness at cell (1, 1)
        f[12 * 4 + 3] = 5;  // class 0 logit
        var boxes = YoloDecoder.Decode(Tensor.FromFloats([1, 14, 2, 2], f), 0, spec, 0.5f);
        var b = Assert.Single(boxes);
        Assert.Equal(0, b.ClassId);
        // centre (1.5/2, 1.5/2) = (0.75, 0.75), size 2/2 = 1.
        Assert.Equal((0.25f, 0.25f, 1.25f, 1.25f), (b.X1, b.Y1, b.X2, b.Y2));
    }

    [Fact]
    public void DecodeRejectsAWrongLayout()
    {
        var e = Assert.Throws<InputException>(() => YoloDecoder.Decode(Tensor.FromFloats([1, 6, 2, 2], new float[24]), 0, TwoByTwo, 0.5f));
        Assert.Contains("float32[N,7,2,2]", e.Message);
    }

    [Fact]
    public void IoUByHand()
    {
        var a = new Box(0, 0, 10, 10, 0);
        Assert.Equal(81.0 / 119.0, a.IoU(new Box(1, 1, 11, 11, 0)), 12);
        Assert.Equal(0, a.IoU(new Box(10, 0, 20, 10, 0)));
        Assert.Equal(1, a.IoU(a));
        Assert.Equal(25.0 / 100.0, a.IoU(new Box(0, 0, 5, 5, 0)), 12);
    }

    [Fact]
    public void NmsIsClassAwareAndGreedy()
    {
        var boxes = new List<Box>
        {
            new(1, 1, 11, 11, 0, 0.8f),   // IoU 0.68 with the best class-0 box: dropped
            new(0, 0, 10, 10, 0, 0.9f),
            new(1, 1, 11, 11, 1, 0.85f),  // same place, other class: kept
            new(20, 20, 30, 30, 0, 0.7f), // far away: kept
            new(0, 0, 10, 8, 0, 0.6f),    // IoU 0.8 with the best: dropped
        };
        var kept = Nms.ClassAware(boxes, 0.5f);
        Assert.Equal([0.9f, 0.85f, 0.7f], kept.Select(b => b.Score));
        // At 0.85 no overlap (0.68, 0.8) is large enough to suppress anything.
        Assert.Equal(5, Nms.ClassAware(boxes, 0.85f).Count);
        Assert.Equal(2, Nms.ClassAware(boxes, 0.5f, maxDetections: 2).Count);
    }

    [Fact]
    public void AveragePrecisionAllPointByHand()
    {
        // Ranked: TP, FP, TP with 2 ground truths. Recall 0.5, 0.5, 1; precision 1, 0.5, 2/3.
        // Envelope: 1 up to recall 0.5, 2/3 up to 1 -> AP = 0.5·1 + 0.5·2/3 = 5/6.
        Assert.Equal(5.0 / 6.0, MeanAveragePrecision.AveragePrecision([1, 0, 1], [0, 1, 0], 2), 12);
        // Missing half the objects caps AP at the recall reached.
        Assert.Equal(0.5, MeanAveragePrecision.AveragePrecision([1], [0], 2), 12);
        Assert.Equal(0, MeanAveragePrecision.AveragePrecision([], [], 3));
    }

    [Fact]
    public void MeanAveragePrecisionMatchesHandComputedCase()
    {
        var gt = new List<IReadOnlyList<Box>>
        {
            new List<Box> { new(0, 0, 10, 10, 0), new(20, 20, 30, 30, 0) },
            new List<Box> { new(0, 0, 10, 10, 1) },
        };
        var preds = new List<IReadOnlyList<Box>>
        {
            new List<Box>
            {
                new(0, 0, 10, 10, 0, 0.9f),   // TP
                new(0, 0, 10, 10, 0, 0.8f),   // duplicate of a matched object: FP
                new(21, 21, 31, 31, 0, 0.7f), // IoU 81/119 = 0.68 with the second object: TP
                new(50, 50, 60, 60, 2, 0.9f), // class 2 has no ground truth: ignored in the mean
            },
            new List<Box>
            {
                new(0, 0, 10, 4, 1, 0.95f),   // IoU 0.4 < 0.5: FP
                new(0, 0, 10, 9, 1, 0.5f),    // IoU 0.9: TP
            },
        };
        var (map, per) = MeanAveragePrecision.Compute(preds, gt, 3);
        // Class 0: TP, FP, TP over 2 objects = 5/6. Class 1: FP, TP over 1 object: precision 1/2 at recall 1 = 1/2.
        Assert.Equal(5.0 / 6.0, per[0], 12);
        Assert.Equal(0.5, per[1], 12);
        Assert.True(double.IsNaN(per[2]));
        Assert.Equal((5.0 / 6.0 + 0.5) / 2, map, 12);
        // A stricter IoU threshold turns the 0.68 match into a miss.
        Assert.Equal(0.5, MeanAveragePrecision.Compute(preds, gt, 3, 0.75).PerClass[0], 12);
    }
}
