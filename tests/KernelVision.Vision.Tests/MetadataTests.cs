using Xunit;

namespace KernelVision.Vision.Tests;

public class MetadataTests
{
    // The example of docs/MODEL-METADATA.md, comments and all, must parse.
    private const string ContractExample = """
        {
          "format": 1,
          "task": "detection",            // classification | detection | generation | inpainting
          "name": "fashion-detector",
          "labels": ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
                     "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"],
          "input": {
            "name": "input", "width": 28, "height": 28, "color": "gray", "resize": "stretch",
            "scale": 255.0, "mean": [0.2860], "std": [0.3530]
          },
          "detection": { "output": "output", "grid": 8, "anchors": [[1.0, 1.0], [2.0, 2.0]], "num_classes": 10 },
          "generation": { "latent": "z", "label": "label", "latent_size": 100, "num_classes": 10,
                          "output": "output", "output_range": [-1.0, 1.0] },
          "inpainting": { "image": "image", "mask": "mask", "output": "output" }
        }
        """;

    [Fact]
    public void ContractExampleParses()
    {
        var m = ModelMetadata.Parse(ContractExample, "model.json");
        Assert.Equal(VisionTask.Detection, m.Task);
        Assert.Equal(10, m.Labels.Count);
        Assert.Equal("Ankle boot", m.LabelOf(9));
        Assert.Equal("class 10", m.LabelOf(10));
        var i = m.Input!;
        Assert.Equal(("input", 28, 28, ColorMode.Gray, ResizeMode.Stretch, 255f), (i.Name, i.Width, i.Height, i.Color, i.Resize, i.Scale));
        Assert.Equal([0.2860f], i.Mean);
        Assert.Equal([0.3530f], i.Std);
        Assert.Equal(1, i.Channels);
        var d = m.Detection!;
        Assert.Equal(8, d.Grid);
        Assert.Equal([(1f, 1f), (2f, 2f)], d.Anchors);
        Assert.Equal(10, d.NumClasses);
        Assert.Equal((-1f, 1f), m.Generation!.OutputRange);
        Assert.Equal(100, m.Generation.LatentSize);
        Assert.Equal("mask", m.Inpainting!.Mask);
    }

    [Theory]
    [InlineData("""{ "format": 1 }""", "'task' is missing")]
    [InlineData("""{ "task": "segmentation" }""", "'task' is 'segmentation'")]
    [InlineData("""{ "format": 2, "task": "classification" }""", "'format' is 2")]
    [InlineData("""{ "task": "classification" }""", "'input' is required")]
    [InlineData("""{ "task": "classification", "input": { "width": 28, "height": 28 } }""", "'input.name' is missing")]
    [InlineData("""{ "task": "classification", "input": { "name": "x", "width": 0, "height": 28 } }""", "'input.width' must be a positive integer")]
    [InlineData("""{ "task": "classification", "input": { "name": "x", "width": "28", "height": 28 } }""", "'input.width' must be an integer")]
    [InlineData("""{ "task": "classification", "input": { "name": "x", "width": 28, "height": 28, "color": "cmyk" } }""", "'input.color' is 'cmyk'")]
    [InlineData("""{ "task": "classification", "input": { "name": "x", "width": 28, "height": 28, "color": "rgb", "mean": [0.5] } }""", "mean has 1 values")]
    [InlineData("""{ "task": "classification", "input": { "name": "x", "width": 28, "height": 28, "color": "gray", "std": [0] } }""", "std values must be positive")]
    [InlineData("""{ "task": "classification", "input": { "name": "x", "width": 28, "height": 28, "resize": "zoom" } }""", "'input.resize' is 'zoom'")]
    [InlineData("""{ "task": "detection", "input": { "name": "x", "width": 8, "height": 8 } }""", "'detection' is required")]
    [InlineData("""{ "task": "detection", "input": { "name": "x", "width": 8, "height": 8 }, "detection": { "output": "y", "grid": 2, "num_classes": 2 } }""", "'detection.anchors' is missing")]
    [InlineData("""{ "task": "detection", "input": { "name": "x", "width": 8, "height": 8 }, "detection": { "output": "y", "grid": 2, "anchors": [[1, -1]], "num_classes": 2 } }""", "sizes must be positive")]
    [InlineData("""{ "task": "detection", "labels": ["a"], "input": { "name": "x", "width": 8, "height": 8 }, "detection": { "output": "y", "grid": 2, "anchors": [[1, 1]], "num_classes": 2 } }""", "'labels' has 1 entries")]
    [InlineData("""{ "task": "generation", "generation": { "latent": "z", "latent_size": 4, "output": "y", "output_range": [1, -1] } }""", "output_range")]
    [InlineData("""{ "task": "generation", "generation": { "latent": "z", "label": "c", "latent_size": 4, "output": "y" } }""", "'generation.num_classes' must be a positive integer")]
    [InlineData("""{ "task": "inpainting", "input": { "name": "x", "width": 8, "height": 8 }, "inpainting": { "image": "x", "output": "y" } }""", "'inpainting.mask' is missing")]
    [InlineData("""[1, 2]""", "must be a JSON object")]
    [InlineData("""{ "task": """, "not valid JSON")]
    public void InvalidMetadataNamesFileAndField(string json, string expected)
    {
        var e = Assert.Throws<InputException>(() => ModelMetadata.Parse(json, "weights/x/model.json"));
        Assert.StartsWith("weights/x/model.json: ", e.Message);
        Assert.Contains(expected, e.Message);
    }

    [Fact]
    public void MissingFileIsAnInputError()
    {
        var e = Assert.Throws<InputException>(() => ModelMetadata.Load("/nonexistent/model.json"));
        Assert.Contains("/nonexistent/model.json", e.Message);
    }

    [Fact]
    public void MetadataBesideModelIsFoundByName()
    {
        using var t = new TinyModels();
        string dir = t.Classifier();
        Assert.Equal(Path.Combine(dir, "model.json"), ModelMetadata.PathFor(Path.Combine(dir, "model.onnx")));
        Assert.Null(ModelMetadata.PathFor(Path.Combine(dir, "other.onnx")));
    }

    [Fact]
    public void LabelsFileLinesOrJson()
    {
        using var t = new TinyModels();
        string txt = t.Path("labels.txt"), json = t.Path("labels.json"), empty = t.Path("empty.txt");
        File.WriteAllText(txt, "cat\r\ndog\n  bird \n\n");
        File.WriteAllText(json, """["a b", "c"]""");
        File.WriteAllText(empty, "\n\n");
        Assert.Equal(["cat", "dog", "bird"], ModelMetadata.LoadLabels(txt));
        Assert.Equal(["a b", "c"], ModelMetadata.LoadLabels(json));
        Assert.Contains("no labels", Assert.Throws<InputException>(() => ModelMetadata.LoadLabels(empty)).Message);
        Assert.Contains("not found", Assert.Throws<InputException>(() => ModelMetadata.LoadLabels(t.Path("nope.txt"))).Message);
    }

    [Fact]
    public void MetadataNamingAMissingGraphInputIsRejectedWithBothFiles()
    {
        using var t = new TinyModels();
        string dir = t.Classifier();
        File.WriteAllText(Path.Combine(dir, "model.json"), File.ReadAllText(Path.Combine(dir, "model.json")).Replace("\"name\": \"input\"", "\"name\": \"pixels\""));
        var e = Assert.Throws<InputException>(() => VisionModel.Open(dir));
        Assert.Contains("model.json", e.Message);
        Assert.Contains("'pixels' is not an input", e.Message);
    }

    [Fact]
    public void ChannelMismatchBetweenMetadataAndModelIsClear()
    {
        using var t = new TinyModels();
        string dir = t.Classifier();
        File.WriteAllText(Path.Combine(dir, "model.json"), """
            { "task": "classification", "input": { "name": "input", "width": 2, "height": 2, "color": "rgb", "mean": [0, 0, 0], "std": [1, 1, 1] } }
            """);
        var e = Assert.Throws<InputException>(() => VisionModel.Open(dir));
        Assert.Contains("3 channels", e.Message);
        Assert.Contains("has 1", e.Message);
    }
}
