using KernelVision.Tensors;

namespace KernelVision.Vision;

/// <summary>Object detection with a YOLOv2-style model described by its metadata.</summary>
public sealed class Detector
{
    /// <summary>The model.</summary>
    public VisionModel Model { get; }
    /// <summary>Input spec.</summary>
    public ImageInputSpec Input { get; }
    /// <summary>Head layout.</summary>
    public DetectionSpec Spec { get; }
    /// <summary>Class names.</summary>
    public IReadOnlyList<string> Labels { get; }

    /// <summary>Prepares detection; needs metadata with task "detection". <paramref name="spec"/> overrides the head layout.</summary>
    public Detector(VisionModel model, DetectionSpec? spec = null, IReadOnlyList<string>? labels = null)
    {
        Model = model;
        var meta = model.RequireMetadata(VisionTask.Detection);
        Input = meta.Input!;
        Spec = spec ?? meta.Detection!;
        Labels = labels ?? meta.Labels;
        model.OutputIndex(Spec.Output, meta.SourcePath);
    }

    /// <summary>Label of class <paramref name="i"/>.</summary>
    public string LabelOf(int i) => i >= 0 && i < Labels.Count ? Labels[i] : $"class {i}";

    /// <summary>The raw head output for a preprocessed batch.</summary>
    public Tensor RunRaw(Tensor batch) => Model.Run(new Dictionary<string, Tensor> { [Input.Name] = batch }, Spec.Output)[0];

    /// <summary>
    /// Detections in <paramref name="image"/>'s pixel coordinates: decode (score ≥ <paramref name="scoreThreshold"/>),
    /// class-aware NMS at <paramref name="iouThreshold"/>, map back through the resize, clip to the picture.
    /// </summary>
    public List<Box> Detect(RgbImage image, float scoreThreshold = 0.25f, float iouThreshold = 0.45f, int maxDetections = 100)
    {
        var (fitted, geo) = Preprocessing.Fit(image, Input);
        var raw = RunRaw(Preprocessing.ToTensor([fitted], Input));
        return Postprocess(raw, 0, geo, scoreThreshold, iouThreshold, maxDetections);
    }

    /// <summary>
    /// Decode (score &gt; <paramref name="scoreThreshold"/>, every class of every box), map to source
    /// pixels and clip, then class-aware NMS at <paramref name="iouThreshold"/> on the clipped boxes
    /// (the order tools/train_detector.py evaluates in). With <paramref name="dropEmpty"/>, boxes clipped
    /// to nothing are left out (they can only count as false positives).
    /// </summary>
    public List<Box> Postprocess(Tensor raw, int n, ImageGeometry geo, float scoreThreshold, float iouThreshold, int maxDetections = 100, bool dropEmpty = true)
    {
        var boxes = YoloDecoder.Decode(raw, n, Spec, scoreThreshold).Select(b => ToSource(b, geo)).ToList();
        var kept = Nms.ClassAware(boxes, iouThreshold, maxDetections);
        return dropEmpty ? kept.Where(b => b.Width > 0 && b.Height > 0).ToList() : kept;
    }

    /// <summary>Maps a box in [0,1] input coordinates to source pixels, clipped to the picture.</summary>
    public Box ToSource(Box b, ImageGeometry geo)
    {
        var (x1, y1) = geo.ToSource(b.X1 * Input.Width, b.Y1 * Input.Height);
        var (x2, y2) = geo.ToSource(b.X2 * Input.Width, b.Y2 * Input.Height);
        return b with
        {
            X1 = (float)Math.Clamp(x1, 0, geo.SourceWidth),
            Y1 = (float)Math.Clamp(y1, 0, geo.SourceHeight),
            X2 = (float)Math.Clamp(x2, 0, geo.SourceWidth),
            Y2 = (float)Math.Clamp(y2, 0, geo.SourceHeight),
        };
    }

    /// <summary>
    /// A copy of <paramref name="image"/> enlarged <paramref name="zoom"/> times with each box outlined in its
    /// class colour and labelled "label 0.93" in the built-in font.
    /// </summary>
    public static RgbImage Draw(RgbImage image, IReadOnlyList<Box> boxes, Func<int, string> labelOf, int zoom = 1)
    {
        var canvas = image.Zoom(zoom);
        // Lines and labels scale with the picture: on a 4000x3000 photo 1-px boxes and 7-px text
        // vanish. About 1/500 of the longer side for lines, 1/480 for the 5x7 font's scale.
        int longSide = Math.Max(canvas.Width, canvas.Height);
        int thickness = Math.Max(Math.Max(1, zoom / 2 + 1), (int)Math.Round(longSide / 500.0));
        int fontScale = Math.Max(1, longSide / 480);
        // Draw low scores first so the best boxes end up on top.
        foreach (var b in boxes.OrderBy(b => b.Score))
        {
            var color = Rgb.ForClass(b.ClassId);
            int x0 = (int)Math.Floor(b.X1 * zoom), y0 = (int)Math.Floor(b.Y1 * zoom);
            int x1 = Math.Min(canvas.Width - 1, (int)Math.Ceiling(b.X2 * zoom) - 1), y1 = Math.Min(canvas.Height - 1, (int)Math.Ceiling(b.Y2 * zoom) - 1);
            canvas.DrawRect(x0, y0, x1, y1, color, thickness);
            string text = $"{labelOf(b.ClassId)} {b.Score:0.00}";
            int th = BitmapFont.LineHeight(fontScale) + 2 * fontScale, tw = BitmapFont.MeasureWidth(text, fontScale) + 2 * fontScale;
            int ty = y0 - th >= 0 ? y0 - th : y0; // above the box when there is room, else inside
            int tx = Math.Clamp(x0, 0, Math.Max(0, canvas.Width - tw));
            BitmapFont.DrawLabel(canvas, tx, ty, text, Rgb.White, color, fontScale);
        }
        return canvas;
    }
}
