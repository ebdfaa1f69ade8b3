using System.Text.Json;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;
using Xunit;

namespace KernelVision.Vision.Tests;

/// <summary>The CLI verbs end to end on the shipped weights and the committed sample images.</summary>
public class ShippedCliTests : IDisposable
{
    private readonly TinyModels _tmp = new();
    private readonly string _backend = ShippedWeights.Backend;

    public void Dispose() => _tmp.Dispose();

    private static (int Code, string Out, string Err) Kv(params string[] args) => TinyModelTests.Kv(args);

    /// <summary>weights/samples/fashion-INDEX-LABEL.png: Fashion-MNIST test images named after their true class.</summary>
    private static List<string> ItemSamples()
    {
        var files = Directory.GetFiles(Path.Combine(ShippedWeights.Dir, "samples"), "fashion-*.png").Order().ToList();
        Assert.NotEmpty(files);
        return files;
    }

    private static string Slug(string label) => label.ToLowerInvariant().Replace('/', '-').Replace(' ', '-');

    [Fact]
    public void ClassifyNamesTheSampleItemsCorrectly()
    {
        var files = ItemSamples();
        var (code, output, err) = Kv(["classify", ShippedWeights.Model("fashion-classifier"), .. files, "--json", "-k", "1", "--backend", _backend]);
        Assert.True(code == 0, err);
        using var doc = JsonDocument.Parse(output);
        Assert.Equal(files.Count, doc.RootElement.GetArrayLength());
        foreach (var r in doc.RootElement.EnumerateArray())
        {
            string file = Path.GetFileNameWithoutExtension(r.GetProperty("file").GetString()!);
            string truth = string.Join('-', file.Split('-').Skip(2)); // fashion-<index>-<label slug>
            string predicted = r.GetProperty("top")[0].GetProperty("label").GetString()!;
            Assert.Equal(truth, Slug(predicted));
        }
    }

    [Fact]
    public void GenerateWritesImagesOfTheModelSize()
    {
        string one = _tmp.Path("one.png"), grid = _tmp.Path("grid.png"), gif = _tmp.Path("walk.gif");
        string cgan = ShippedWeights.Model("fashion-cgan");
        var (code, _, err) = Kv("generate", cgan, "--seed", "5", "--class", "Sneaker", "--out", one, "--backend", _backend);
        Assert.True(code == 0, err);
        using (var img = Image.Load<Rgb24>(one)) Assert.Equal((28, 28), (img.Width, img.Height));
        (code, _, err) = Kv("generate", cgan, "--count", "20", "--grid", "--out", grid, "--backend", _backend);
        Assert.True(code == 0, err);
        // 10 columns (one per class) x 2 rows of 28 px cells, 2 px gaps.
        using (var img = Image.Load<Rgb24>(grid)) Assert.Equal((10 * 28 + 11 * 2, 2 * 28 + 3 * 2), (img.Width, img.Height));
        (code, _, err) = Kv("generate", cgan, "--interpolate", "1:Sandal,2:Sneaker", "--steps", "5", "--out", gif, "--backend", _backend);
        Assert.True(code == 0, err);
        using (var img = Image.Load<Rgb24>(gif)) Assert.Equal(8, img.Frames.Count);
    }

    [Fact]
    public void DetectWritesPngAndJsonWithBoxes()
    {
        string scene = Path.Combine(ShippedWeights.Dir, "samples", "scene-0.png");
        string outDir = _tmp.Path("det");
        var (code, output, err) = Kv("detect", ShippedWeights.Model("fashion-detector"), scene, "--out", outDir, "--backend", _backend);
        Assert.True(code == 0, err);
        using (var img = Image.Load<Rgb24>(Path.Combine(outDir, "scene-0.png"))) Assert.Equal((384, 384), (img.Width, img.Height));
        using var doc = JsonDocument.Parse(File.ReadAllText(Path.Combine(outDir, "detections.json")));
        var boxes = doc.RootElement.GetProperty("images")[0].GetProperty("boxes");
        Assert.True(boxes.GetArrayLength() >= 1, output);
        foreach (var b in boxes.EnumerateArray())
        {
            Assert.InRange(b.GetProperty("x1").GetDouble(), 0, 128);
            Assert.InRange(b.GetProperty("x2").GetDouble(), 0, 128);
            Assert.InRange(b.GetProperty("score").GetDouble(), 0.25, 1);
        }
    }

    [Fact]
    public void InpaintAndVisualizeOnSamples()
    {
        string sample = ItemSamples()[0], outPng = _tmp.Path("filled.png"), cmp = _tmp.Path("cmp.png"), fm = _tmp.Path("fm.png");
        var (code, output, err) = Kv("inpaint", ShippedWeights.Model("fashion-inpaint"), sample, "--rect", "8,8,12,12", "--out", outPng, "--compare", cmp, "--backend", _backend);
        Assert.True(code == 0, err);
        Assert.Contains("144 of 784 pixels", output);
        var filled = ImageIO.Load(outPng);
        var original = ImageIO.Load(sample);
        Assert.Equal((28, 28), (filled.Width, filled.Height));
        Assert.Equal(original[2, 2], filled[2, 2]); // outside the hole: untouched

        (code, output, err) = Kv("visualize", ShippedWeights.Model("fashion-classifier"), "--list", "--backend", _backend);
        Assert.True(code == 0, err);
        Assert.Contains("Conv", output);
        (code, output, err) = Kv("visualize", ShippedWeights.Model("fashion-classifier"), sample, "--layer", "0", "--out", fm, "--backend", _backend);
        Assert.True(code == 0, err);
        Assert.Contains("[1,32,28,28]", output);
        Assert.True(File.Exists(fm));
    }

    [Fact]
    public void DemoWritesEveryPicture()
    {
        string outDir = _tmp.Path("demo");
        var (code, output, err) = Kv("demo", "--out", outDir, "--weights", ShippedWeights.Dir, "--backend", _backend);
        Assert.True(code == 0, err);
        foreach (var f in new[] { "classified.png", "generated-grid.png", "interpolation.png", "interpolation.gif", "inpainting.png", Path.Combine("detections", "scene-0.png"), Path.Combine("detections", "detections.json") })
        {
            Assert.True(File.Exists(Path.Combine(outDir, f)), $"demo did not write {f}:\n{output}");
            Assert.Contains(Path.Combine(outDir, f), output);
        }
        Assert.NotEmpty(Directory.GetFiles(outDir, "feature-maps-*.png"));
    }
}
