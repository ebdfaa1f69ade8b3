using System.Text.Json;
using KernelVision.Onnx;
using KernelVision.Tensors;
using Xunit;
using Xunit.Abstractions;

namespace KernelVision.Vision.Tests;

/// <summary>
/// The shipped weights (weights/, exported by tools/train_*.py) run by KernelVision must reproduce the
/// metrics PyTorch recorded: classifier accuracy on the 10,000 Fashion-MNIST test images, detector mAP@0.5
/// on the held-out scenes, and the generator's images for the oracle latents.
/// </summary>
public class ShippedWeightsTests(ITestOutputHelper log)
{
    [Fact]
    public void ClassifierAccuracyOnFashionMnistTestSetMatchesPyTorch()
    {
        var (images, labels) = FashionMnist.TestSet();
        Assert.Equal(10_000, images.Length);
        var classifier = new Classifier(ShippedWeights.Open("fashion-classifier"));
        // The images go through the library's own preprocessing (gray picture -> byte/255 -> (x - mean)/std).
        int correct = 0;
        const int chunk = 500;
        for (int start = 0; start < images.Length; start += chunk)
        {
            var pics = images.Skip(start).Take(chunk).Select(FashionMnist.ToImage).ToList();
            var tops = classifier.Classify(pics, 1);
            for (int i = 0; i < tops.Count; i++) if (tops[i][0].Index == labels[start + i]) correct++;
        }
        double accuracy = 100.0 * correct / images.Length;
        double pytorch = ShippedWeights.Recorded("fashion-classifier", "pytorch_test_accuracy");
        log.WriteLine($"KernelVision ({ShippedWeights.Backend}): {correct}/10000 = {accuracy:F2} %, PyTorch {pytorch:F2} %");
        Assert.True(Math.Abs(accuracy - pytorch) <= 0.1, $"KernelVision accuracy {accuracy:F2} % differs from PyTorch's {pytorch:F2} % by more than 0.1 point");
        Assert.True(accuracy >= 92, $"accuracy {accuracy:F2} % is below the 92 % the classifier must reach");
    }

    [Fact]
    public void DetectorMapOnHeldOutScenesMatchesPyTorch()
    {
        string dir = ShippedWeights.Model("fashion-detector");
        var detector = new Detector(ShippedWeights.Open("fashion-detector"));
        var images = NpyReader.Read(Path.Combine(dir, "eval", "images.npy"));
        Assert.Equal(3, images.Rank);
        int n = images.Shape[0], h = images.Shape[1], w = images.Shape[2];
        using var gtDoc = JsonDocument.Parse(File.ReadAllText(Path.Combine(dir, "eval", "boxes.json")));
        var gtImages = gtDoc.RootElement.GetProperty("images");
        Assert.Equal(n, gtImages.GetArrayLength());
        var gt = gtImages.EnumerateArray().Select(img => (IReadOnlyList<Box>)img.EnumerateArray().Select(b => new Box(
            (float)b.GetProperty("x1").GetDouble(), (float)b.GetProperty("y1").GetDouble(),
            (float)b.GetProperty("x2").GetDouble(), (float)b.GetProperty("y2").GetDouble(), b.GetProperty("class").GetInt32())).ToList()).ToList();

        // The evaluation parameters the training script used, from model.json.
        using var metaDoc = JsonDocument.Parse(File.ReadAllText(Path.Combine(dir, "model.json")));
        var ev = metaDoc.RootElement.GetProperty("evaluation");
        float score = (float)ev.GetProperty("score_threshold").GetDouble(), nms = (float)ev.GetProperty("nms_iou").GetDouble();
        double match = ev.GetProperty("match_iou").GetDouble(), pytorch = ev.GetProperty("pytorch_map50").GetDouble();

        var preds = new List<IReadOnlyList<Box>>();
        var pixels = images.Int64s;
        for (int i = 0; i < n; i++)
        {
            var img = new RgbImage(w, h);
            for (int p = 0; p < w * h; p++) img.Pixels[3 * p] = img.Pixels[3 * p + 1] = img.Pixels[3 * p + 2] = (byte)pixels[i * w * h + p];
            var (fitted, geo) = Preprocessing.Fit(img, detector.Input);
            var raw = detector.RunRaw(Preprocessing.ToTensor([fitted], detector.Input));
            preds.Add(detector.Postprocess(raw, 0, geo, score, nms, int.MaxValue, dropEmpty: false));
        }
        var (map, perClass) = MeanAveragePrecision.Compute(preds, gt, detector.Spec.NumClasses, match);
        log.WriteLine($"KernelVision ({ShippedWeights.Backend}) mAP@0.5 {map * 100:F3} %, PyTorch {pytorch:F2} %; {preds.Sum(p => p.Count)} detections; per class {string.Join(", ", perClass.Select(a => (a * 100).ToString("F1")))}");
        Assert.True(Math.Abs(map * 100 - pytorch) <= 0.5, $"KernelVision mAP@0.5 {map * 100:F3} % differs from PyTorch's {pytorch:F2} % by more than 0.5 point");
    }

    [Theory]
    [InlineData("fashion-classifier")]
    [InlineData("fashion-cgan")]
    [InlineData("fashion-detector")]
    [InlineData("fashion-inpaint")]
    public void OracleOutputsMatchPyTorch(string name)
    {
        // oracle/test_data_set_0: inputs and PyTorch's outputs as TensorProtos named after the graph values.
        // For the generator these are the oracle latents and labels: images must match within 1e-4.
        string dir = Path.Combine(ShippedWeights.Model(name), "oracle", "test_data_set_0");
        var m = ShippedWeights.Open(name);
        var feeds = new Dictionary<string, Tensor>();
        foreach (var f in Directory.GetFiles(dir, "input_*.pb").Order())
        {
            var (pname, t) = TensorProtoConverter.ReadFile(f);
            feeds[pname] = t;
        }
        var outputs = m.Session.Run(feeds);
        var files = Directory.GetFiles(dir, "output_*.pb").Order().ToList();
        Assert.NotEmpty(files);
        // Tolerance: oracle/data.json when the training script wrote one (|err| <= atol + rtol·|expected|), else 1e-4 absolute.
        double atol = 1e-4, rtol = 0;
        string tolFile = Path.Combine(Path.GetDirectoryName(dir)!, "data.json");
        if (File.Exists(tolFile))
        {
            using var tol = JsonDocument.Parse(File.ReadAllText(tolFile));
            if (tol.RootElement.TryGetProperty("atol", out var a)) atol = a.GetDouble();
            if (tol.RootElement.TryGetProperty("rtol", out var r)) rtol = r.GetDouble();
        }
        foreach (var f in files)
        {
            var (oname, expected) = TensorProtoConverter.ReadFile(f);
            var got = outputs[oname];
            Assert.Equal(expected.Shape, got.Shape);
            double maxErr = 0;
            for (int i = 0; i < expected.Length; i++)
            {
                double e = expected.GetDouble(i), err = Math.Abs(e - got.GetDouble(i));
                maxErr = Math.Max(maxErr, err);
                Assert.True(err <= atol + rtol * Math.Abs(e), $"{name} output '{oname}' element {i}: PyTorch {e:G9}, KernelVision {got.GetDouble(i):G9} (atol {atol}, rtol {rtol})");
            }
            log.WriteLine($"{name} '{oname}' {got.Describe()}: max|err| {maxErr:E2} ({ShippedWeights.Backend}; atol {atol}, rtol {rtol})");
        }
    }
    [Fact]
    public void GeneratorImagesForOracleLatentsMatchPyTorch()
    {
        // Through the Generator API (latent rows + one-hot label rows), not just the raw session.
        string dir = Path.Combine(ShippedWeights.Model("fashion-cgan"), "oracle", "test_data_set_0");
        var g = new Generator(ShippedWeights.Open("fashion-cgan"));
        var ins = Directory.GetFiles(dir, "input_*.pb").Order().Select(TensorProtoConverter.ReadFile).ToDictionary(x => x.Item1, x => x.Item2);
        var z = ins[g.Spec.Latent];
        int n = z.Shape[0], k = g.Spec.LatentSize;
        var latents = Enumerable.Range(0, n).Select(i => z.Floats.Slice(i * k, k).ToArray()).ToList();
        List<float[]>? labels = null;
        if (g.IsConditional)
        {
            var l = ins[g.Spec.Label!];
            labels = Enumerable.Range(0, n).Select(i => l.Floats.Slice(i * g.Spec.NumClasses, g.Spec.NumClasses).ToArray()).ToList();
        }
        var got = g.Run(latents, labels);
        var (_, expected) = TensorProtoConverter.ReadFile(Path.Combine(dir, "output_0.pb"));
        Assert.Equal(expected.Shape, got.Shape);
        double maxErr = 0;
        for (int i = 0; i < expected.Length; i++) maxErr = Math.Max(maxErr, Math.Abs(expected.Floats[i] - got.Floats[i]));
        log.WriteLine($"generator: {n} oracle latents, max|err| {maxErr:E2}");
        Assert.True(maxErr <= 1e-4, $"generator images differ from PyTorch by {maxErr:E2} > 1e-4");
    }
}
