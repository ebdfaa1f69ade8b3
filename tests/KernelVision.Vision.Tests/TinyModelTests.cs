using System.Text.Json;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;
using Xunit;

namespace KernelVision.Vision.Tests;

/// <summary>Library and CLI verbs end to end on hand-built models whose answers are known.</summary>
public class TinyModelTests : IDisposable
{
    private readonly TinyModels _t = new();

    public void Dispose() => _t.Dispose();

    internal static (int Code, string Out, string Err) Kv(params string[] args)
    {
        var o = new StringWriter();
        var e = new StringWriter();
        int code = KernelVision.Cli.Program.Run(args, o, e);
        return (code, o.ToString(), e.ToString());
    }

    private static void AssertOneError(int code, string err, string contains)
    {
        Assert.Equal(2, code);
        Assert.StartsWith("error: ", err);
        Assert.Single(err.Trim().Split('\n'));
        Assert.Contains(contains, err);
    }

    // ---- opening ----

    [Fact]
    public void OpenDefaultsToCpuAndDisposeReleasesTheSession()
    {
        // No CpuBackend.Register call anywhere in this assembly: the cpu backend registers itself.
        var m = VisionModel.Open(_t.Classifier());
        Assert.Equal("cpu", m.Session.Options.Backend.Name);
        var c = new Classifier(m);
        Assert.Single(c.Classify([new RgbImage(2, 2)], 1));
        m.Dispose();
        Assert.Throws<ObjectDisposedException>(() => c.Classify([new RgbImage(2, 2)], 1));
        m.Dispose(); // idempotent
    }

    // ---- classification ----

    [Fact]
    public void ClassifierGivesHandComputedProbabilities()
    {
        var c = new Classifier(VisionModel.Open(_t.Classifier(), new VisionOptions { Backend = "reference" }));
        var topLeft = new RgbImage(2, 2);
        topLeft[0, 0] = Rgb.White;
        var all = new RgbImage(2, 2, Rgb.White);
        var r = c.Classify([topLeft, all], 3);
        // Logits (10, 0, 4): softmax p0 = 1 / (1 + e^-10 + e^-6).
        Assert.Equal("top-left", r[0][0].Label);
        Assert.Equal(1 / (1 + Math.Exp(-10) + Math.Exp(-6)), r[0][0].Probability, 5);
        Assert.Equal("even", r[0][1].Label);
        // Logits (10, 10, 16).
        Assert.Equal("even", r[1][0].Label);
        Assert.Equal(r[1][1].Probability, r[1][2].Probability);
        Assert.Equal(0, r[1][1].Index); // ties: lower index first
    }

    [Fact]
    public void SoftmaxIsSkippedForProbabilities()
    {
        Assert.Equal([0.2f, 0.8f], Classifier.ToProbabilities([0.2f, 0.8f]));
        var p = Classifier.ToProbabilities([0f, MathF.Log(3)]);
        Assert.Equal(0.25f, p[0], 6);
        Assert.Equal(0.75f, p[1], 6);
    }

    [Fact]
    public void ClassifyCliTextAndJsonOnFilesAndFolders()
    {
        string dir = _t.Classifier();
        string pics = _t.Path("pics");
        Directory.CreateDirectory(pics);
        File.Move(_t.GrayPng("tl.png", new byte[,] { { 255, 0 }, { 0, 0 } }), Path.Combine(pics, "a-tl.png"));
        File.Move(_t.GrayPng("br.png", new byte[,] { { 0, 0 }, { 0, 255 } }), Path.Combine(pics, "b-br.png"));

        var (code, output, err) = Kv("classify", dir, pics, "--top", "2", "--backend", "reference");
        Assert.True(code == 0, err);
        Assert.Contains("a-tl.png: top-left 99.7%, even 0.2%", output);
        Assert.Contains("b-br.png: bottom-right 99.7%", output);
        Assert.Contains("classified 2 images", output);

        (code, output, err) = Kv("classify", dir, Path.Combine(pics, "b-br.png"), "--json", "-k", "1");
        Assert.True(code == 0, err);
        using var doc = JsonDocument.Parse(output);
        var first = doc.RootElement[0];
        Assert.EndsWith("b-br.png", first.GetProperty("file").GetString());
        var top = first.GetProperty("top");
        Assert.Equal(1, top.GetArrayLength());
        Assert.Equal("bottom-right", top[0].GetProperty("label").GetString());
        Assert.Equal(1, top[0].GetProperty("index").GetInt32());
    }

    [Fact]
    public void ClassifyFolderSkipsACorruptFileStreamsTheRestAndExitsOne()
    {
        string dir = _t.Classifier();
        string pics = _t.Path("mixed");
        Directory.CreateDirectory(pics);
        File.Move(_t.GrayPng("tl2.png", new byte[,] { { 255, 0 }, { 0, 0 } }), Path.Combine(pics, "a-tl.png"));
        string good = _t.GrayPng("br2.png", new byte[,] { { 0, 0 }, { 0, 255 } });
        // A truncated PNG between the good ones (sorted order a-, b-, c-).
        File.WriteAllBytes(Path.Combine(pics, "b-truncated.png"), File.ReadAllBytes(good)[..40]);
        File.Move(good, Path.Combine(pics, "c-br.png"));
        string csv = _t.Path("r.csv"), jsonl = _t.Path("r.jsonl");

        var (code, output, err) = Kv("classify", dir, pics, "-k", "2", "--out", csv);
        Assert.Equal(1, code);
        Assert.Contains("a-tl.png: top-left 99.7%", output);
        Assert.Contains("c-br.png: bottom-right 99.7%", output);
        Assert.Contains("classified 2 images", output);
        Assert.Contains("b-truncated.png", err);
        Assert.StartsWith("warning: ", err);
        Assert.DoesNotContain("error:", err);
        var rows = File.ReadAllLines(csv);
        Assert.Equal("file,top1_index,top1_label,top1_probability,top2_index,top2_label,top2_probability", rows[0]);
        Assert.Equal(3, rows.Length); // header + one row per good image
        Assert.EndsWith("a-tl.png,0,top-left,0.997", rows[1][..(rows[1].IndexOf(",0.997", StringComparison.Ordinal) + 6)]);
        Assert.Contains("c-br.png,1,bottom-right,", rows[2]);

        (code, _, _) = Kv("classify", dir, pics, "-k", "1", "--out", jsonl);
        Assert.Equal(1, code);
        var lines = File.ReadAllLines(jsonl);
        Assert.Equal(2, lines.Length);
        using var doc = JsonDocument.Parse(lines[1]);
        Assert.Equal("bottom-right", doc.RootElement.GetProperty("top")[0].GetProperty("label").GetString());

        (code, _, err) = Kv("classify", dir, pics, "--out", _t.Path("r.txt"));
        AssertOneError(code, err, "--out");
    }

    /// <summary>input [N,1,2,2] → Flatten → [N,4]; then Add(x, x) (a "residual" featurizer) or Gemm (a classifier).</summary>
    private string FlatModel(string name, bool classifier, string? labelsProp = null)
    {
        var g = new KernelVision.Onnx.Proto.GraphProto { Name = name };
        g.Input.Add(TinyModels.Vi("input", "N", 1, 2, 2));
        g.Output.Add(TinyModels.Vi("output", "N", 4));
        g.Node.Add(new KernelVision.Onnx.Proto.NodeProto { Name = "flatten", OpType = "Flatten", Input = { "input" }, Output = { "flat" } });
        if (classifier)
        {
            g.Initializer.Add(TinyModels.Floats("W", [4, 4], 1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1));
            g.Node.Add(new KernelVision.Onnx.Proto.NodeProto { Name = "fc", OpType = "Gemm", Input = { "flat", "W" }, Output = { "output" } });
        }
        else g.Node.Add(new KernelVision.Onnx.Proto.NodeProto { Name = "residual", OpType = "Add", Input = { "flat", "flat" }, Output = { "output" } });
        var m = TinyModels.Model(g);
        if (labelsProp is not null) m.MetadataProps.Add(new KernelVision.Onnx.Proto.StringStringEntryProto { Key = "names", Value = labelsProp });
        return _t.Write(name, m, null);
    }

    [Fact]
    public void ClassifyRefusesFeaturesUnlessRawAndReadsOnnxLabels()
    {
        string img = _t.GrayPng("px.png", new byte[,] { { 0, 0 }, { 0, 255 } });
        string features = FlatModel("features", classifier: false);
        var (code, output, err) = Kv("classify", features, img);
        AssertOneError(code, err, "node 'residual' (Add), not a classifier layer");
        Assert.Contains("--raw", err);
        (code, output, err) = Kv("classify", features, img, "--raw", "-k", "1");
        Assert.True(code == 0, err);
        Assert.Contains("px.png: class 3", output);

        // The same features with labels given are taken as scores (the user said what they are).
        string labels = _t.Path("four.txt");
        File.WriteAllLines(labels, ["a", "b", "c", "d"]);
        Assert.Equal(0, Kv("classify", features, img, "--labels", labels).Code);

        // A Gemm classifier with an Ultralytics-style Python dict in metadata_props["names"].
        string named = FlatModel("named", classifier: true, "{0: 'tl', 1: 'tr', 2: \"bl\", 3: 'br'}");
        (code, output, err) = Kv("classify", named, img, "-k", "1");
        Assert.True(code == 0, err);
        Assert.Contains("px.png: br ", output);
    }

    [Theory]
    [InlineData("[\"a\", \"men's\"]", "a|men's")]
    [InlineData("{\"0\": \"x\", \"1\": \"y\"}", "x|y")]
    [InlineData("{0: 'person', 1: 'bicycle'}", "person|bicycle")]
    [InlineData("cat, dog", "cat|dog")]
    [InlineData("cat\ndog\n", "cat|dog")]
    [InlineData("{1: 'gap'}", null)]
    [InlineData("", null)]
    public void OnnxLabelTextsParse(string text, string? expected) =>
        Assert.Equal(expected, VisionModel.ParseLabels(text) is { } l ? string.Join("|", l) : null);

    [Fact]
    public void ClassifyWithoutMetadataUsesLabelsFileAndDeclaredShape()
    {
        string dir = _t.Classifier("bare", withJson: false);
        string labels = _t.Path("labels.txt");
        File.WriteAllText(labels, "alpha\nbeta\ngamma\n");
        string img = _t.GrayPng("br.png", new byte[,] { { 0, 0 }, { 0, 255 } });
        var (code, output, err) = Kv("classify", Path.Combine(dir, "model.onnx"), img, "--labels", labels, "-k", "1");
        Assert.True(code == 0, err);
        Assert.Contains("br.png: beta", output);

        // Overrides are validated against the model.
        (code, _, err) = Kv("classify", Path.Combine(dir, "model.onnx"), img, "--size", "3");
        AssertOneError(code, err, "does not match");
        (code, _, err) = Kv("classify", Path.Combine(dir, "model.onnx"), img, "--color", "rgb");
        AssertOneError(code, err, "3 channels");
        (code, _, err) = Kv("classify", Path.Combine(dir, "model.onnx"), img, "--labels", _t.Path("missing.txt"));
        AssertOneError(code, err, "labels file not found");
        File.WriteAllText(labels, "just-one\n");
        (code, _, err) = Kv("classify", Path.Combine(dir, "model.onnx"), img, "--labels", labels);
        AssertOneError(code, err, "3 classes but 1 labels");
    }

    [Fact]
    public void ImageNetStyleModelWithoutMetadataGetsImageNetPreprocessing()
    {
        string model = Path.Combine(_t.RgbMeanModel(), "model.onnx");
        var m = VisionModel.Open(model);
        var spec = m.DefaultImageInput();
        Assert.Equal(("data", 8, 8, ColorMode.Rgb, ResizeMode.CenterCrop, 0.875f), (spec.Name, spec.Width, spec.Height, spec.Color, spec.Resize, spec.CropFraction));
        var c = new Classifier(m, labels: ["red", "green", "blue"]);
        // A 20x12 pure red picture: centre-cropped to 8x8, then ImageNet mean/std:
        // channel means ((1 - 0.485)/0.229, (0 - 0.456)/0.224, (0 - 0.406)/0.225) = (2.2489, -2.0357, -1.8044).
        var red = new RgbImage(20, 12, new Rgb(255, 0, 0));
        var p = c.Probabilities(Preprocessing.ToTensor([Preprocessing.Fit(red, c.Input).Image], c.Input))[0];
        double[] logits = [2.2489083, -2.0357143, -1.8044444];
        double z = logits.Sum(Math.Exp);
        for (int i = 0; i < 3; i++) Assert.Equal(Math.Exp(logits[i]) / z, p[i], 4);

        string labels = _t.Path("rgb.txt");
        File.WriteAllText(labels, "red\ngreen\nblue\n");
        string img = _t.Path("red.png");
        ImageIO.SavePng(red, img);
        var (code, output, err) = Kv("classify", model, img, "--labels", labels, "-k", "1");
        Assert.True(code == 0, err);
        Assert.Contains("red.png: red", output);
        // As BGR the red byte lands in channel 2: "blue" wins.
        (code, output, err) = Kv("classify", model, img, "--labels", labels, "-k", "1", "--color", "bgr");
        Assert.True(code == 0, err);
        Assert.Contains("red.png: blue", output);
        (code, _, err) = Kv("classify", model, img, "--mean", "0.5,0.5");
        AssertOneError(code, err, "--mean: 2 values given");
    }

    [Fact]
    public void ClassifyErrorsAreOneLine()
    {
        string dir = _t.Classifier();
        string bad = _t.Path("bad.png");
        File.WriteAllText(bad, "garbage");
        var (code, _, err) = Kv("classify", dir, bad);
        AssertOneError(code, err, bad);
        (code, _, err) = Kv("classify", dir, _t.Path("nothing.png"));
        AssertOneError(code, err, "no such file or folder");
        (code, _, err) = Kv("classify", _t.Path("no-model"), bad);
        AssertOneError(code, err, "model file not found");
        (code, _, err) = Kv("classify", dir, bad, "--top", "0");
        AssertOneError(code, err, "--top");
        (code, _, err) = Kv("classify", dir, bad, "--threads", "0");
        AssertOneError(code, err, "--threads");
        (code, _, err) = Kv("classify", dir, bad, "--backend", "nosuch");
        AssertOneError(code, err, "unknown backend");
    }

    // ---- detection ----

    [Fact]
    public void DetectorFindsTheFourCellBoxesInSourcePixels()
    {
        var d = new Detector(VisionModel.Open(_t.Detector()));
        // 6x6 picture letterboxed into 2x2: scale 1/3. Each cell's box is half the input (1 px) = 3 source px.
        var boxes = d.Detect(new RgbImage(6, 6), 0.25f, 0.45f);
        Assert.Equal(4, boxes.Count);
        Assert.All(boxes, b => Assert.Equal(1, b.ClassId));
        // σ(4) · 0.75
        Assert.All(boxes, b => Assert.Equal(0.75 / (1 + Math.Exp(-4)), b.Score, 5));
        var corners = boxes.Select(b => (MathF.Round(b.X1, 4), MathF.Round(b.Y1, 4), MathF.Round(b.X2, 4), MathF.Round(b.Y2, 4))).OrderBy(x => x).ToList();
        Assert.Equal([(0f, 0f, 3f, 3f), (0f, 3f, 3f, 6f), (3f, 0f, 6f, 3f), (3f, 3f, 6f, 6f)], corners);
        // Above the class-1 score nothing is left.
        Assert.Empty(d.Detect(new RgbImage(6, 6), 0.8f, 0.45f));
    }

    [Fact]
    public void DetectCliWritesPngsAndJson()
    {
        string dir = _t.Detector();
        string img = _t.GrayPng("scene.png", new byte[6, 6]);
        string outDir = _t.Path("det-out");
        var (code, output, err) = Kv("detect", dir, img, "--out", outDir, "--zoom", "10");
        Assert.True(code == 0, err);
        Assert.Contains("4 objects", output);
        string png = Path.Combine(outDir, "scene.png");
        using (var drawn = Image.Load<Rgb24>(png)) Assert.Equal((60, 60), (drawn.Width, drawn.Height));
        using var doc = JsonDocument.Parse(File.ReadAllText(Path.Combine(outDir, "detections.json")));
        var image = doc.RootElement.GetProperty("images")[0];
        Assert.Equal(6, image.GetProperty("width").GetInt32());
        var boxes = image.GetProperty("boxes");
        Assert.Equal(4, boxes.GetArrayLength());
        Assert.All(boxes.EnumerateArray(), b => Assert.Equal("dog", b.GetProperty("label").GetString()));

        (code, _, err) = Kv("detect", dir, img, "--out", outDir, "--score", "1.5");
        AssertOneError(code, err, "--score");
        (code, _, err) = Kv("detect", _t.Classifier(), img, "--out", outDir);
        AssertOneError(code, err, "model is for classification, not detection");
        (code, _, err) = Kv("detect", dir, img);
        Assert.Equal(2, code);
        Assert.Contains("--out", err);
    }

    // ---- generation ----

    [Fact]
    public void GeneratorPixelsAreTanhOfLatentAndLabel()
    {
        var g = new Generator(VisionModel.Open(_t.Generator()));
        Assert.True(g.IsConditional);
        var img = g.Images([[0.5f, 10f]], [1])[0];
        // tanh(0.5, 10, 0.25, 1.25) = (0.4621, 1.0000, 0.2449, 0.8483) -> (x + 1) / 2 · 255 = 186.4, 255, 158.7, 235.7
        Assert.Equal([186, 255, 159, 236], new[] { img[0, 0].R, img[1, 0].R, img[0, 1].R, img[1, 1].R }.Select(b => (int)b));
        var raw = g.Run([[0f, 0f], [1f, 1f]], [[1f, 0f], [0f, 1f]]);
        Assert.Equal([2, 1, 2, 2], raw.Shape);
        Assert.InRange(raw.Floats[4 + 1], MathF.Tanh(1) - 1e-5f, MathF.Tanh(1) + 1e-5f);
        Assert.Throws<InputException>(() => g.Images([[0f, 0f]], [2]));
    }

    [Fact]
    public void OutputFormatFollowsTheExtension()
    {
        string dir = _t.Generator();
        var magic = new Dictionary<string, byte[]>
        {
            [".png"] = [0x89, (byte)'P', (byte)'N', (byte)'G'],
            [".jpg"] = [0xFF, 0xD8, 0xFF],
            [".webp"] = [(byte)'R', (byte)'I', (byte)'F', (byte)'F'],
            [".bmp"] = [(byte)'B', (byte)'M'],
        };
        foreach (var (ext, head) in magic)
        {
            string path = _t.Path("fmt" + ext);
            var (code, _, err) = Kv("generate", dir, "--zoom", "4", "--out", path);
            Assert.True(code == 0, err);
            Assert.Equal(head, File.ReadAllBytes(path)[..head.Length]);
            var back = ImageIO.Load(path);
            Assert.Equal((8, 8), (back.Width, back.Height));
        }
        var (c, _, e) = Kv("generate", dir, "--out", _t.Path("fmt.xyz"));
        AssertOneError(c, e, "cannot tell the image format from '.xyz'");
        Assert.False(File.Exists(_t.Path("fmt.xyz")));
    }

    [Fact]
    public void GenerateCliSizesGridsStripsAndGifs()
    {
        string dir = _t.Generator();
        string one = _t.Path("one.png");
        var (code, output, err) = Kv("generate", dir, "--seed", "3", "--class", "one", "--out", one);
        Assert.True(code == 0, err);
        Assert.Contains("class 1 (one)", output);
        var expected = new Generator(VisionModel.Open(dir)).Images(LatentRng.Latents(3, 1, 2), [1])[0];
        Assert.Equal(expected.Pixels, ImageIO.Load(one).Pixels);

        string zoomed = _t.Path("z.png");
        Assert.Equal(0, Kv("generate", dir, "--zoom", "3", "--out", zoomed).Code);
        using (var z = Image.Load<Rgb24>(zoomed)) Assert.Equal((6, 6), (z.Width, z.Height));

        // 4 samples cycling 2 classes: 2 columns x 2 rows of 2x2 cells with 2 px gaps = 10 x 10.
        string grid = _t.Path("grid.png");
        (code, output, err) = Kv("generate", dir, "--count", "4", "--grid", "--out", grid);
        Assert.True(code == 0, err);
        using (var gi = Image.Load<Rgb24>(grid)) Assert.Equal((10, 10), (gi.Width, gi.Height));

        // Without --grid: numbered files.
        string many = _t.Path("many", "s.png");
        Assert.Equal(0, Kv("generate", dir, "--count", "3", "--out", many).Code);
        Assert.True(File.Exists(_t.Path("many", "s-000.png")) && File.Exists(_t.Path("many", "s-002.png")));

        // Interpolation strip: 4 frames of 2x2 with 2 px gaps = 18 x 6; its ends are the seeds' images.
        string strip = _t.Path("strip.png");
        (code, _, err) = Kv("generate", dir, "--interpolate", "1,2:one", "--steps", "4", "--out", strip);
        Assert.True(code == 0, err);
        var s = ImageIO.Load(strip);
        Assert.Equal((18, 6), (s.Width, s.Height));
        var g = new Generator(VisionModel.Open(dir));
        var start = g.Images(LatentRng.Latents(1, 1, 2), [0])[0];
        var end = g.Images(LatentRng.Latents(2, 1, 2), [1])[0];
        Assert.Equal(start[1, 1], s[3, 3]);
        Assert.Equal(end[0, 0], s[2 + 3 * 4, 2]);

        string gif = _t.Path("anim.gif");
        (code, _, err) = Kv("generate", dir, "--interpolate", "1,2", "--steps", "4", "--delay", "50", "--out", gif);
        Assert.True(code == 0, err);
        using (var a = Image.Load<Rgb24>(gif))
        {
            Assert.Equal(6, a.Frames.Count); // 4 forward + 2 back
            Assert.Equal(5, a.Frames[0].Metadata.GetGifMetadata().FrameDelay);
        }

        (code, _, err) = Kv("generate", dir, "--class", "7", "--out", one);
        AssertOneError(code, err, "out of range");
        (code, _, err) = Kv("generate", dir, "--class", "cat", "--out", one);
        AssertOneError(code, err, "neither a class index");
        (code, _, err) = Kv("generate", dir, "--interpolate", "1", "--out", one);
        AssertOneError(code, err, "A,B");
        (code, _, err) = Kv("generate", dir, "--count", "0", "--out", one);
        AssertOneError(code, err, "--count");
        (code, _, err) = Kv("generate", _t.Classifier(), "--out", one);
        AssertOneError(code, err, "not generation");
    }

    // ---- inpainting ----

    [Fact]
    public void InpaintingFillsOnlyTheHole()
    {
        var p = new Inpainter(VisionModel.Open(_t.Inpainter()));
        var img = new RgbImage(4, 4, Rgb.Gray(100));
        var r = p.Inpaint(img, Inpainter.RectMask(4, 4, 1, 1, 2, 2));
        for (int y = 0; y < 4; y++)
            for (int x = 0; x < 4; x++)
            {
                bool hole = x is 1 or 2 && y is 1 or 2;
                Assert.Equal(hole, r.Mask[y * 4 + x]);
                // Model output = image (zeroed in holes) + mask = 1.0 -> 255 in holes; elsewhere the original.
                Assert.Equal(hole ? 255 : 100, r.Completed[x, y].R);
                Assert.Equal(hole ? new Rgb(255, 0, 255) : Rgb.Gray(100), r.Masked[x, y]);
            }
        Assert.Throws<InputException>(() => p.Inpaint(img, new RgbImage(4, 4)));
        Assert.Throws<InputException>(() => Inpainter.RectMask(4, 4, 5, 5, 1, 1));
    }

    [Fact]
    public void InpaintingWorksAtTheSourceResolutionAndKeepsColour()
    {
        // A 40x30 red picture and a 4x4 model: the model sees an 8x8 window around the 4x4 hole.
        using var m = VisionModel.Open(_t.Inpainter());
        var p = new Inpainter(m);
        var red = new Rgb(200, 10, 10);
        var img = new RgbImage(40, 30, red);
        var r = p.Inpaint(img, Inpainter.RectMask(40, 30, 10, 12, 4, 4));
        Assert.Equal((40, 30), (r.Completed.Width, r.Completed.Height));
        for (int y = 0; y < 30; y++)
            for (int x = 0; x < 40; x++)
            {
                bool hole = x is >= 10 and < 14 && y is >= 12 and < 16;
                Assert.Equal(hole, r.Mask[y * 40 + x]);
                var c = r.Completed[x, y];
                if (!hole) Assert.Equal(red, c); // everything outside the hole keeps its colour, pixel for pixel
                else Assert.True(c.R == c.G && c.G == c.B && c.R > red.G, $"hole pixel ({x},{y}) = {c}"); // the gray model's fill
            }
        // The hole's centre maps to the model's hole, where the model answers 1.0 = 255.
        Assert.Equal(Rgb.White, r.Completed[11, 13]);
        Assert.Equal(new Rgb(255, 0, 255), r.Masked[12, 14]);
        Assert.Equal(red, r.Masked[0, 0]);
    }

    [Fact]
    public void InpaintCliWithRectAndMaskFile()
    {
        string dir = _t.Inpainter();
        string img = _t.GrayPng("in.png", new byte[,] { { 9, 9, 9, 9 }, { 9, 9, 9, 9 }, { 9, 9, 9, 9 }, { 9, 9, 9, 9 } });
        string outPng = _t.Path("out.png"), cmp = _t.Path("cmp.png");
        var (code, output, err) = Kv("inpaint", dir, img, "--rect", "0,0,2,4", "--out", outPng, "--compare", cmp);
        Assert.True(code == 0, err);
        Assert.Contains("8 of 16 pixels", output);
        var o = ImageIO.Load(outPng);
        Assert.Equal((255, 9), (o[1, 3].R, o[2, 3].R));
        using (var c = Image.Load<Rgb24>(cmp)) Assert.Equal((3 * 16 + 4 * 4, 16 + 8 + 11), (c.Width, c.Height));

        // Mask picture: white right column.
        string mask = _t.GrayPng("mask.png", new byte[,] { { 0, 0, 0, 255 }, { 0, 0, 0, 255 }, { 0, 0, 0, 255 }, { 0, 0, 0, 255 } });
        (code, _, err) = Kv("inpaint", dir, img, "--mask", mask, "--out", outPng);
        Assert.True(code == 0, err);
        o = ImageIO.Load(outPng);
        Assert.Equal((9, 255), (o[2, 0].R, o[3, 0].R));

        (code, _, err) = Kv("inpaint", dir, img, "--out", outPng);
        AssertOneError(code, err, "exactly one of");
        (code, _, err) = Kv("inpaint", dir, img, "--rect", "1,2,3", "--out", outPng);
        AssertOneError(code, err, "--rect");
    }

    // ---- visualisation ----

    [Fact]
    public void VisualizeListsLayersAndDrawsOne()
    {
        string dir = _t.Classifier();
        var (code, output, err) = Kv("visualize", dir, "--list");
        Assert.True(code == 0, err);
        Assert.Contains("fc", output);
        Assert.Contains("Gemm", output);
        Assert.Contains("[1,3]", output);

        string img = _t.GrayPng("tl.png", new byte[,] { { 255, 0 }, { 0, 0 } });
        string png = _t.Path("fm.png");
        (code, output, err) = Kv("visualize", dir, img, "--layer", "fc", "--out", png);
        Assert.True(code == 0, err);
        Assert.Contains("float32[1,3]", output);
        Assert.True(File.Exists(png));

        // The captured tensor is the layer's real output: logits (10, 0, 4) for this picture.
        var m = VisionModel.Open(dir);
        var feeds = FeatureMaps.Feeds(m, ImageIO.Load(img));
        var layers = FeatureMaps.Layers(m.Session, feeds);
        var t = FeatureMaps.Capture(m.Session, feeds, FeatureMaps.Find(layers, "-1"));
        Assert.Equal([10f, 0f, 4f], t.Floats.ToArray());

        (code, _, err) = Kv("visualize", dir, img, "--layer", "nope", "--out", png);
        AssertOneError(code, err, "no layer 'nope'");
        (code, _, err) = Kv("visualize", dir, img, "--layer", "99", "--out", png);
        AssertOneError(code, err, "out of range");
        (code, _, err) = Kv("visualize", dir, "--layer", "0", "--out", png);
        AssertOneError(code, err, "takes an image");
    }

    [Fact]
    public void VisualizeGeneratorRunsOnASeededLatent()
    {
        string png = _t.Path("gen-fm.png");
        var (code, output, err) = Kv("visualize", _t.Generator(), "--layer", "tanh", "--out", png, "--class", "1");
        Assert.True(code == 0, err);
        Assert.Contains("float32[1,1,2,2]", output);
    }
}
