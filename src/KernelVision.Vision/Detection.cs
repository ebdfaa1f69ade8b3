using KernelVision.Tensors;

namespace KernelVision.Vision;

/// <summary>An axis-aligned box (corners X1 ≤ X2, Y1 ≤ Y2) with a class and a score.</summary>
public readonly record struct Box(float X1, float Y1, float X2, float Y2, int ClassId, float Score = 1f)
{
    /// <summary>Width (0 when degenerate).</summary>
    public float Width => Math.Max(0, X2 - X1);
    /// <summary>Height (0 when degenerate).</summary>
    public float Height => Math.Max(0, Y2 - Y1);
    /// <summary>Area.</summary>
    public double Area => (double)Width * Height;

    /// <summary>Intersection over union with <paramref name="o"/> (continuous coordinates, no +1 pixel convention).</summary>
    public double IoU(Box o)
    {
        double iw = Math.Min(X2, o.X2) - Math.Max(X1, o.X1), ih = Math.Min(Y2, o.Y2) - Math.Max(Y1, o.Y1);
        if (iw <= 0 || ih <= 0) return 0;
        double inter = iw * ih, union = Area + o.Area - inter;
        return union > 0 ? inter / union : 0;
    }

    /// <summary>The same box scaled by (sx, sy).</summary>
    public Box Scale(double sx, double sy) => this with { X1 = (float)(X1 * sx), X2 = (float)(X2 * sx), Y1 = (float)(Y1 * sy), Y2 = (float)(Y2 * sy) };
}

/// <summary>
/// Decoding of a YOLOv2-style head (docs/MODEL-METADATA.md): output [N, A·(5+C), S, S]; for anchor a
/// the channels a·(5+C) + 0..4 are tx, ty, tw, th, objectness logit, then C class logits.
/// Centre x = (σ(tx) + col) / S, y = (σ(ty) + row) / S, w = anchor_w·e^tw / S, h = anchor_h·e^th / S,
/// score(c) = σ(obj) · softmax(logits)[c].
/// </summary>
public static class YoloDecoder
{
    /// <summary>
    /// Boxes of image <paramref name="n"/> in [0, 1] input coordinates whose score exceeds
    /// <paramref name="scoreThreshold"/> (strictly, as the training scripts' evaluation does). With <paramref name="allClasses"/> every (cell, anchor, class) above
    /// the threshold is a candidate (as Darknet does, best for mAP); otherwise only each cell-anchor's best class.
    /// </summary>
    public static List<Box> Decode(Tensor output, int n, DetectionSpec spec, float scoreThreshold, bool allClasses = true)
    {
        int A = spec.Anchors.Length, C = spec.NumClasses, S = spec.Grid, per = 5 + C;
        if (output.Type != DataType.Float32 || output.Rank != 4 || output.Shape[1] != A * per || output.Shape[2] != S || output.Shape[3] != S)
            throw new InputException($"detection output '{spec.Output}' must be float32[N,{A * per},{S},{S}] ({A} anchors, {C} classes, grid {S}), got {output.Describe()}");
        if ((uint)n >= (uint)output.Shape[0]) throw new ArgumentOutOfRangeException(nameof(n));
        var f = output.Floats;
        int plane = S * S, baseOff = n * A * per * plane;
        var probs = new double[C];
        var boxes = new List<Box>();
        for (int a = 0; a < A; a++)
        {
            int ch0 = baseOff + a * per * plane;
            for (int row = 0; row < S; row++)
                for (int col = 0; col < S; col++)
                {
                    int cell = row * S + col;
                    double tx = f[ch0 + cell], ty = f[ch0 + plane + cell], tw = f[ch0 + 2 * plane + cell], th = f[ch0 + 3 * plane + cell];
                    double obj = Sigmoid(f[ch0 + 4 * plane + cell]);
                    double max = double.NegativeInfinity;
                    for (int c = 0; c < C; c++) max = Math.Max(max, f[ch0 + (5 + c) * plane + cell]);
                    double sum = 0;
                    for (int c = 0; c < C; c++) sum += probs[c] = Math.Exp(f[ch0 + (5 + c) * plane + cell] - max);
                    double cx = (Sigmoid(tx) + col) / S, cy = (Sigmoid(ty) + row) / S;
                    double w = spec.Anchors[a].W * Math.Exp(tw) / S, h = spec.Anchors[a].H * Math.Exp(th) / S;
                    if (allClasses)
                    {
                        for (int c = 0; c < C; c++)
                        {
                            double score = obj * probs[c] / sum;
                            if (score > scoreThreshold) boxes.Add(Make(cx, cy, w, h, c, score));
                        }
                    }
                    else
                    {
                        int best = 0;
                        for (int c = 1; c < C; c++) if (probs[c] > probs[best]) best = c;
                        double score = obj * probs[best] / sum;
                        if (score > scoreThreshold) boxes.Add(Make(cx, cy, w, h, best, score));
                    }
                }
        }
        return boxes;
    }

    private static Box Make(double cx, double cy, double w, double h, int c, double score) =>
        new((float)(cx - w / 2), (float)(cy - h / 2), (float)(cx + w / 2), (float)(cy + h / 2), c, (float)score);

    private static double Sigmoid(double x) => 1.0 / (1.0 + Math.Exp(-x));
}

/// <summary>Non-maximum suppression.</summary>
public static class Nms
{
    /// <summary>
    /// Class-aware greedy NMS: within each class, boxes are taken by descending score (ties keep input
    /// order) and a box is dropped when its IoU with a kept box of the same class exceeds
    /// <paramref name="iouThreshold"/>. Returns at most <paramref name="maxDetections"/> boxes, best first.
    /// </summary>
    public static List<Box> ClassAware(IReadOnlyList<Box> boxes, float iouThreshold, int maxDetections = int.MaxValue)
    {
        var order = Enumerable.Range(0, boxes.Count).OrderByDescending(i => boxes[i].Score).ThenBy(i => i).ToList();
        var kept = new List<Box>();
        foreach (int i in order)
        {
            var b = boxes[i];
            bool suppressed = false;
            foreach (var k in kept)
                if (k.ClassId == b.ClassId && k.IoU(b) > iouThreshold) { suppressed = true; break; }
            if (suppressed) continue;
            kept.Add(b);
            if (kept.Count >= maxDetections) break;
        }
        return kept;
    }
}

/// <summary>Detection quality: mean average precision.</summary>
public static class MeanAveragePrecision
{
    /// <summary>
    /// PASCAL VOC mAP with all-point interpolation (VOC2010+): per class, predictions over all images are
    /// ranked by score; each is a true positive when its best-overlapping ground truth of that class in the
    /// same image has IoU ≥ <paramref name="iouThreshold"/> and was not matched by a higher-scored prediction,
    /// otherwise a false positive. AP is the area under the precision envelope; mAP the mean over classes
    /// that have ground truth. Returns the mAP and the per-class AP (NaN for classes without ground truth).
    /// </summary>
    public static (double Map, double[] PerClass) Compute(IReadOnlyList<IReadOnlyList<Box>> predictions, IReadOnlyList<IReadOnlyList<Box>> groundTruth,
        int numClasses, double iouThreshold = 0.5)
    {
        if (predictions.Count != groundTruth.Count)
            throw new ArgumentException($"{predictions.Count} prediction lists for {groundTruth.Count} images");
        var ap = new double[numClasses];
        for (int c = 0; c < numClasses; c++)
        {
            var gts = groundTruth.Select(g => g.Where(b => b.ClassId == c).ToList()).ToList();
            int npos = gts.Sum(g => g.Count);
            if (npos == 0) { ap[c] = double.NaN; continue; }
            var used = gts.Select(g => new bool[g.Count]).ToList();
            var preds = predictions.SelectMany((p, img) => p.Where(b => b.ClassId == c).Select(b => (img, b)))
                .Select((x, i) => (x.img, x.b, i)).OrderByDescending(x => x.b.Score).ThenBy(x => x.i).ToList();
            var tp = new double[preds.Count];
            var fp = new double[preds.Count];
            for (int k = 0; k < preds.Count; k++)
            {
                var (img, b, _) = preds[k];
                double best = -1;
                int bestJ = -1;
                for (int j = 0; j < gts[img].Count; j++)
                {
                    double iou = b.IoU(gts[img][j]);
                    if (iou > best) { best = iou; bestJ = j; }
                }
                if (bestJ >= 0 && best >= iouThreshold && !used[img][bestJ]) { tp[k] = 1; used[img][bestJ] = true; }
                else fp[k] = 1;
            }
            ap[c] = AveragePrecision(tp, fp, npos);
        }
        var valid = ap.Where(a => !double.IsNaN(a)).ToList();
        return (valid.Count == 0 ? 0 : valid.Average(), ap);
    }

    /// <summary>All-point interpolated AP from ranked TP/FP flags and the number of ground-truth boxes.</summary>
    public static double AveragePrecision(IReadOnlyList<double> tp, IReadOnlyList<double> fp, int npos)
    {
        int n = tp.Count;
        var rec = new double[n + 2];
        var prec = new double[n + 2];
        double ctp = 0, cfp = 0;
        for (int i = 0; i < n; i++)
        {
            ctp += tp[i];
            cfp += fp[i];
            rec[i + 1] = ctp / npos;
            prec[i + 1] = ctp / Math.Max(ctp + cfp, double.Epsilon);
        }
        rec[n + 1] = 1;
        prec[n + 1] = 0;
        for (int i = n; i >= 0; i--) prec[i] = Math.Max(prec[i], prec[i + 1]);
        double sum = 0;
        for (int i = 0; i <= n; i++)
            if (rec[i + 1] != rec[i]) sum += (rec[i + 1] - rec[i]) * prec[i + 1];
        return sum;
    }
}
