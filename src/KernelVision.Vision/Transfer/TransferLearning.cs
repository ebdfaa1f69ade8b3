using System.Text.Json;
using Google.Protobuf;
using KernelVision.Onnx.Proto;

namespace KernelVision.Vision.Transfer;

/// <summary>Extra training pictures made from each training image (validation and test images are never augmented).</summary>
[Flags]
public enum Augmentation
{
    /// <summary>Only the pictures as they are.</summary>
    None = 0,
    /// <summary>Plus a left-right mirror image.</summary>
    Flip = 1,
    /// <summary>Plus a random crop covering 80–100 % of each side (then resized like any picture).</summary>
    Crop = 2,
}

/// <summary>
/// The steps of <c>kv transfer</c> as a library: features of an <see cref="ImageFolder"/> through a
/// <see cref="Featurizer"/> (corrupt pictures skipped with a warning), and export of featurizer +
/// trained head as one ONNX model with its model.json.
/// </summary>
public static class TransferLearning
{
    /// <summary>Name of the exported model's probability output.</summary>
    public const string ProbabilityOutput = "probabilities";

    /// <summary>
    /// Features of <paramref name="images"/> (index list into <paramref name="folder"/>'s images), computed
    /// <paramref name="batchSize"/> pictures per run. Each picture yields its own features, then one row
    /// per augmentation asked for. A picture that cannot be read is reported to <paramref name="warn"/>
    /// and skipped. <paramref name="progress"/> gets (pictures done, total) after each batch.
    /// </summary>
    public static FeatureSet Extract(Featurizer featurizer, ImageFolder folder, IReadOnlyList<int> images, int batchSize,
        Augmentation augment, ulong seed, ImageLimits limits, Action<string> warn, Action<int, int>? progress = null)
    {
        if (batchSize < 1) throw new InputException($"--feature-batch must be at least 1, got {batchSize}");
        var rng = new LatentRng(seed);
        var rows = new List<float>();
        var labels = new List<int>();
        var pending = new List<RgbImage>();
        var pendingLabels = new List<int>();
        int done = 0;
        void Flush()
        {
            if (pending.Count == 0) return;
            rows.AddRange(featurizer.Features(pending));
            labels.AddRange(pendingLabels);
            pending.Clear();
            pendingLabels.Clear();
        }
        foreach (int i in images)
        {
            var item = folder.Images[i];
            RgbImage src;
            try { src = ImageIO.Load(item.Path, limits); }
            catch (InputException e)
            {
                warn($"warning: {e.Message} (skipped)");
                done++;
                continue;
            }
            foreach (var picture in Variants(src, featurizer.Input, augment, rng))
            {
                pending.Add(picture);
                pendingLabels.Add(item.Label);
            }
            done++;
            if (pending.Count >= batchSize)
            {
                Flush();
                progress?.Invoke(done, images.Count);
            }
        }
        Flush();
        progress?.Invoke(done, images.Count);
        return new FeatureSet(rows.ToArray(), labels.ToArray(), featurizer.Dim);
    }

    /// <summary>The fitted picture, then its augmented copies.</summary>
    public static IEnumerable<RgbImage> Variants(RgbImage src, ImageInputSpec spec, Augmentation augment, LatentRng rng)
    {
        var fitted = Preprocessing.Fit(src, spec).Image;
        yield return fitted;
        if (augment.HasFlag(Augmentation.Flip)) yield return Mirror(fitted);
        if (augment.HasFlag(Augmentation.Crop))
        {
            int w = Math.Max(1, (int)Math.Round(src.Width * (0.8 + 0.2 * rng.NextDouble())));
            int h = Math.Max(1, (int)Math.Round(src.Height * (0.8 + 0.2 * rng.NextDouble())));
            int x = (int)(rng.NextDouble() * (src.Width - w + 1)), y = (int)(rng.NextDouble() * (src.Height - h + 1));
            var crop = new RgbImage(w, h);
            crop.Paste(src, -x, -y);
            yield return Preprocessing.Fit(crop, spec).Image;
        }
    }

    /// <summary>Left-right mirror image.</summary>
    public static RgbImage Mirror(RgbImage img)
    {
        var r = new RgbImage(img.Width, img.Height);
        for (int y = 0; y < img.Height; y++)
            for (int x = 0; x < img.Width; x++) r[img.Width - 1 - x, y] = img[x, y];
        return r;
    }

    /// <summary>The featurizer with the head appended: input image → … → <see cref="ProbabilityOutput"/> [N, K].</summary>
    public static ModelProto BuildModel(Featurizer featurizer, DenseHead head)
    {
        if (featurizer.Dim != 0 && featurizer.Dim != head.InputSize)
            throw new ArgumentException($"head takes {head.InputSize} features, the featurizer gives {featurizer.Dim}");
        var m = featurizer.Proto.Clone();
        OnnxGraphs.AppendHead(m, head, Featurizer.FeatureOutput, ProbabilityOutput);
        m.ProducerName = "KernelVision kv transfer";
        return m;
    }

    /// <summary>
    /// Writes <paramref name="dir"/>/model.onnx (featurizer + head) and model.json (classification,
    /// the labels, the featurizer's input spec; <paramref name="extra"/> adds fields such as the
    /// training record) and checks that the metadata reads back.
    /// </summary>
    public static string Export(Featurizer featurizer, DenseHead head, IReadOnlyList<string> labels, string dir, string name,
        string description, Action<Utf8JsonWriter>? extra = null)
    {
        if (labels.Count != head.Classes) throw new ArgumentException($"{labels.Count} labels for {head.Classes} classes");
        Directory.CreateDirectory(dir);
        string onnx = Path.Combine(dir, "model.onnx"), json = Path.Combine(dir, "model.json");
        using (var s = File.Create(onnx)) BuildModel(featurizer, head).WriteTo(s);
        using (var s = File.Create(json))
        using (var w = new Utf8JsonWriter(s, new JsonWriterOptions { Indented = true, Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
        {
            var spec = featurizer.Input;
            w.WriteStartObject();
            w.WriteNumber("format", 1);
            w.WriteString("task", "classification");
            w.WriteString("name", name);
            w.WriteString("description", description);
            w.WriteStartArray("labels");
            foreach (var l in labels) w.WriteStringValue(l);
            w.WriteEndArray();
            w.WriteStartObject("input");
            w.WriteString("name", spec.Name);
            w.WriteNumber("width", spec.Width);
            w.WriteNumber("height", spec.Height);
            w.WriteString("color", spec.Color.ToString().ToLowerInvariant());
            w.WriteString("resize", spec.Resize switch { ResizeMode.CenterCrop => "center-crop", var r => r.ToString().ToLowerInvariant() });
            w.WriteNumber("scale", spec.Scale);
            w.WriteStartArray("mean");
            foreach (var v in spec.Mean) w.WriteNumberValue(v);
            w.WriteEndArray();
            w.WriteStartArray("std");
            foreach (var v in spec.Std) w.WriteNumberValue(v);
            w.WriteEndArray();
            if (spec.Resize == ResizeMode.CenterCrop) w.WriteNumber("crop_fraction", spec.CropFraction);
            if (spec.Resize == ResizeMode.Letterbox) w.WriteNumber("pad_value", spec.PadValue);
            w.WriteEndObject();
            w.WriteString("output", ProbabilityOutput);
            extra?.Invoke(w);
            w.WriteEndObject();
        }
        ModelMetadata.Load(json); // what we wrote must be what kv classify reads
        return onnx;
    }
}
