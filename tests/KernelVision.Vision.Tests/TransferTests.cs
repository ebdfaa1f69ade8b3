using KernelVision.Onnx.Proto;
using KernelVision.Tensors;
using KernelVision.Vision.Transfer;
using Xunit;
using static KernelVision.Vision.Tests.TinyModels;

namespace KernelVision.Vision.Tests;

/// <summary>
/// Transfer learning (kv transfer): the head's gradients against finite differences, training on
/// separable data, the exported ONNX against the in-memory head, the class-folder rules (corrupt
/// picture, one-picture class, empty folder) and the CLI end to end on a tiny featurizer and, once,
/// on the real ResNet-18 featurizer.
/// </summary>
public sealed class TransferTests : IDisposable
{
    private readonly TinyModels _m = new();

    public void Dispose() => _m.Dispose();

    private static (int Code, string Out, string Err) Kv(params string[] args) => TinyModelTests.Kv(args);

    // ---------------------------------------------------------------- head math

    private static FeatureSet RandomSet(int n, int dim, int classes, ulong seed)
    {
        var rng = new LatentRng(seed);
        var x = new float[n * dim];
        rng.FillGaussian(x);
        var y = Enumerable.Range(0, n).Select(i => (int)(rng.NextDouble() * classes)).ToArray();
        return new FeatureSet(x, y, dim);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(6)]
    public void Gradients_match_central_finite_differences(int hidden)
    {
        const int n = 9, dim = 5, classes = 4;
        const float decay = 0.03f;
        var data = RandomSet(n, dim, classes, 7);
        var head = new DenseHead(dim, hidden, classes);
        head.InitGlorot(new LatentRng(3));
        // Non-zero biases so their gradients are exercised away from the symmetric start.
        foreach (var b in new[] { head.B1, head.B2 }) for (int i = 0; i < b.Length; i++) b[i] = 0.1f * (i % 3) - 0.05f;
        var rows = Enumerable.Range(0, n).ToArray();
        var grads = head.NewGradients();
        head.Loss(data.Features, data.Labels, rows, decay, grads);

        const float h = 1e-3f;
        int checkedCount = 0;
        for (int p = 0; p < head.Parameters.Count; p++)
        {
            var w = head.Parameters[p];
            for (int i = 0; i < w.Length; i++)
            {
                float keep = w[i];
                w[i] = keep + h;
                double up = head.Loss(data.Features, data.Labels, rows, decay);
                w[i] = keep - h;
                double down = head.Loss(data.Features, data.Labels, rows, decay);
                w[i] = keep;
                double numeric = (up - down) / (2 * h);
                Assert.True(Math.Abs(numeric - grads[p][i]) <= 2e-3 + 2e-2 * Math.Abs(numeric),
                    $"parameter {p}[{i}]: analytic {grads[p][i]}, numeric {numeric}");
                checkedCount++;
            }
        }
        Assert.Equal(hidden > 0 ? hidden * dim + hidden + classes * hidden + classes : classes * dim + classes, checkedCount);
    }

    [Fact]
    public void Loss_is_mean_cross_entropy_plus_half_decay_times_squared_weights()
    {
        // One sample, two classes, softmax regression with hand-set weights: z = (1, 3) → p = (1/(1+e²), e²/(1+e²)).
        var head = new DenseHead(1, 0, 2);
        head.W2[0] = 1; head.W2[1] = 3;
        double ce = -Math.Log(Math.Exp(3) / (Math.Exp(1) + Math.Exp(3)));
        Assert.Equal(ce, head.Loss([1f], [1], [0], 0f), 6);
        Assert.Equal(ce + 0.5 * 0.1 * (1 + 9), head.Loss([1f], [1], [0], 0.1f), 6);
    }

    [Fact]
    public void Training_separates_clusters_and_keeps_the_best_epoch()
    {
        // Three Gaussian clusters in 8-D, centres 4 apart: any sound trainer gets them all right.
        var rng = new LatentRng(11);
        FeatureSet Make(int per)
        {
            var x = new float[3 * per * 8];
            rng.FillGaussian(x);
            var y = new int[3 * per];
            for (int i = 0; i < y.Length; i++) { y[i] = i % 3; x[i * 8 + y[i]] += 4; }
            return new FeatureSet(x, y, 8);
        }
        var train = Make(40);
        var val = Make(10);
        var r = HeadTrainer.Train(train, val, 3, new HeadTrainingOptions { Hidden = 4, MaxEpochs = 60, BatchSize = 16, LearningRate = 0.01f, Seed = 5 });
        Assert.True(HeadTrainer.Evaluate(r.Head, val).Accuracy >= 0.95, $"validation accuracy {HeadTrainer.Evaluate(r.Head, val).Accuracy}");
        var best = r.History.MinBy(e => e.ValLoss);
        Assert.Equal(best.Epoch, r.BestEpoch);
        Assert.Equal(best.ValLoss, HeadTrainer.Evaluate(r.Head, val).Loss, 9); // the kept weights are that epoch's
        // Same seed, same result.
        var again = HeadTrainer.Train(train, val, 3, new HeadTrainingOptions { Hidden = 4, MaxEpochs = 60, BatchSize = 16, LearningRate = 0.01f, Seed = 5 });
        Assert.Equal(r.Head.W2, again.Head.W2);
    }

    [Fact]
    public void Npy_files_read_back()
    {
        string f = _m.Path("x.npy"), l = _m.Path("y.npy");
        NpyWriter.Write(f, [1f, -2.5f, 3f, 4f, 5f, 6f], 2, 3);
        NpyWriter.Write(l, [7, 0], 2);
        var t = NpyReader.Read(f);
        Assert.Equal([2, 3], t.Shape);
        Assert.Equal([1f, -2.5f, 3f, 4f, 5f, 6f], t.Floats.ToArray());
        var u = NpyReader.Read(l);
        Assert.Equal(DataType.Int64, u.Type);
        Assert.Equal([2], u.Shape);
    }

    [Fact]
    public void Augmentation_adds_a_mirror_image_and_a_crop_of_the_input_size()
    {
        var img = new RgbImage(3, 2);
        img[0, 0] = new Rgb(10, 0, 0);
        img[2, 1] = new Rgb(0, 0, 30);
        var m = TransferLearning.Mirror(img);
        Assert.Equal(new Rgb(10, 0, 0), m[2, 0]);
        Assert.Equal(new Rgb(0, 0, 30), m[0, 1]);
        Assert.Equal(Rgb.Black, m[0, 0]);
        var spec = new ImageInputSpec { Name = "x", Width = 3, Height = 2, Mean = [0, 0, 0], Std = [1, 1, 1] };
        var v = TransferLearning.Variants(img, spec, Augmentation.Flip | Augmentation.Crop, new LatentRng(1)).ToList();
        Assert.Equal(3, v.Count);
        Assert.Equal(img.Pixels, v[0].Pixels); // already the input size: unchanged
        Assert.Equal(m.Pixels, v[1].Pixels);
        Assert.All(v, p => Assert.Equal((3, 2), (p.Width, p.Height)));
        Assert.Single(TransferLearning.Variants(img, spec, Augmentation.None, new LatentRng(1)));
    }

    // ---------------------------------------------------------------- data folders

    /// <summary>
    /// A featurizer small enough to reason about: data [1,3,4,4] → 1×1 Conv 3→4 (fixed weights) → Relu.
    /// Batch pinned to 1 as CNTK's export is, so the symbolic-batch rewrite is exercised. No model.json:
    /// the ImageNet preprocessing (centre crop, mean/std) applies.
    /// </summary>
    private string TinyFeaturizer()
    {
        var g = new GraphProto { Name = "tiny-featurizer" };
        g.Input.Add(Vi("data", 1, 3, 4, 4));
        g.Output.Add(Vi("fmap", 1, 4, 4, 4));
        g.Initializer.Add(Floats("K", [4, 3, 1, 1], 1, 0, 0, 0, 1, 0, 0, 0, 1, 0.5f, -0.5f, 0.25f));
        g.Node.Add(Node("conv", "Conv", ["data", "K"], ["c"]));
        g.Node.Add(Node("relu", "Relu", ["c"], ["fmap"]));
        string dir = _m.Write("featurizer", Model(g), null);
        return Path.Combine(dir, "model.onnx");
    }

    /// <summary>Class folders of 6×6 pictures: "red" ones reddish, "blue" ones bluish, with seeded noise.</summary>
    private string Pictures(string name, int red, int blue, ulong seed)
    {
        var rng = new LatentRng(seed);
        string root = _m.Path(name);
        void Class(string cls, int count, Rgb tint)
        {
            Directory.CreateDirectory(Path.Combine(root, cls));
            for (int i = 0; i < count; i++)
            {
                var img = new RgbImage(6, 6);
                for (int y = 0; y < 6; y++)
                    for (int x = 0; x < 6; x++)
                    {
                        byte N(byte b) => (byte)Math.Clamp(b + (int)(rng.NextGaussian() * 30), 0, 255);
                        img[x, y] = new Rgb(N(tint.R), N(tint.G), N(tint.B));
                    }
                ImageIO.SavePng(img, Path.Combine(root, cls, $"{i:000}.png"));
            }
        }
        Class("red", red, new Rgb(200, 60, 60));
        Class("blue", blue, new Rgb(60, 60, 200));
        return root;
    }

    [Fact]
    public void Split_is_stratified_and_keeps_a_lone_picture_for_training()
    {
        string root = Pictures("split", 10, 1, 1);
        var folder = ImageFolder.Scan(root);
        Assert.Equal(["blue", "red"], folder.Classes);
        var (train, val) = folder.Split(0.2, 42);
        Assert.Equal(9, train.Length);
        Assert.Equal(2, val.Length);
        Assert.Contains(train, i => folder.Images[i].Label == 0); // the lone blue picture trains
        Assert.All(val, i => Assert.Equal(1, folder.Images[i].Label));
        Assert.Empty(train.Intersect(val));
        Assert.Equal(folder.Split(0.2, 42).Validation, val);
    }

    [Fact]
    public void Empty_or_single_class_data_folders_are_typed_errors()
    {
        string empty = _m.Path("empty");
        Directory.CreateDirectory(empty);
        var e = Assert.Throws<InputException>(() => ImageFolder.Scan(empty));
        Assert.Contains(empty, e.Message);
        Directory.CreateDirectory(Path.Combine(empty, "only"));
        File.WriteAllText(Path.Combine(empty, "only", "notes.txt"), "not a picture");
        Assert.Contains("holds no image files", Assert.Throws<InputException>(() => ImageFolder.Scan(empty)).Message);
        ImageIO.SavePng(new RgbImage(2, 2), Path.Combine(empty, "only", "a.png"));
        Assert.Contains("at least two classes", Assert.Throws<InputException>(() => ImageFolder.Scan(empty)).Message);
        Assert.Contains("no such folder", Assert.Throws<InputException>(() => ImageFolder.Scan(_m.Path("missing"))).Message);
    }

    [Fact]
    public void Missing_resnet18_package_says_how_to_get_it()
    {
        var e = Assert.Throws<InputException>(() => Featurizer.FindResNet18([_m.Path("no-packages")]));
        Assert.Contains(Featurizer.PackageId, e.Message);
        Assert.Contains("dotnet restore", e.Message);
    }

    // ---------------------------------------------------------------- export

    [Fact]
    public void Exported_onnx_gives_the_in_memory_heads_probabilities()
    {
        string data = Pictures("export", 8, 8, 2);
        var folder = ImageFolder.Scan(data);
        using var f = Featurizer.Open(TinyFeaturizer(), [], "reference");
        var all = Enumerable.Range(0, folder.Images.Count).ToArray();
        var set = TransferLearning.Extract(f, folder, all, 5, Augmentation.None, 0, ImageLimits.Default, w => throw new Xunit.Sdk.XunitException(w));
        Assert.Equal(64, f.Dim);
        Assert.Equal(16, set.Count);
        var r = HeadTrainer.Train(set, new FeatureSet([], [], 64), 2, new HeadTrainingOptions { Hidden = 5, MaxEpochs = 5, Seed = 1 });
        string dir = _m.Path("exported");
        TransferLearning.Export(f, r.Head, folder.Classes, dir, "exported", "test");

        // Independent path: the model folder opened like any shipped classifier, pictures in a batch of 16.
        var model = VisionModel.Open(dir, new VisionOptions { Backend = "reference" });
        var proto = OnnxGraphs.Read(Path.Combine(dir, "model.onnx"));
        Assert.Equal(["Conv", "Relu", "Flatten", "Gemm", "Relu", "Gemm", "Softmax"], proto.Graph.Node.Select(n => n.OpType));
        // The featurizer declared batch 1; the export takes any batch (16 pictures go in below).
        Assert.Equal(["data"], proto.Graph.Input.Select(i => i.Name));
        Assert.Equal("N", proto.Graph.Input[0].Type.TensorType.Shape.Dim[0].DimParam);
        Assert.Equal([TransferLearning.ProbabilityOutput], proto.Graph.Output.Select(o => o.Name));
        var classifier = new Classifier(model);
        Assert.Equal(folder.Classes, classifier.Labels);
        var pictures = folder.Images.Select(i => Preprocessing.Fit(ImageIO.Load(i.Path), classifier.Input).Image).ToList();
        var fromOnnx = classifier.Probabilities(Preprocessing.ToTensor(pictures, classifier.Input));
        var fromHead = r.Head.Predict(set.Features, set.Count);
        for (int i = 0; i < set.Count; i++)
            for (int k = 0; k < 2; k++)
                Assert.True(Math.Abs(fromOnnx[i][k] - fromHead[i * 2 + k]) <= 1e-5, $"picture {i} class {k}: onnx {fromOnnx[i][k]}, head {fromHead[i * 2 + k]}");
        // The head was not trivial: its outputs differ between pictures.
        Assert.True(fromHead.Max() - fromHead.Min() > 0.05);
    }

    // ---------------------------------------------------------------- CLI

    [Fact]
    public void Cli_skips_a_corrupt_picture_trains_a_one_picture_class_and_writes_a_usable_model()
    {
        string data = Pictures("cli", 12, 1, 3);
        File.WriteAllBytes(Path.Combine(data, "red", "broken.png"), [0x89, (byte)'P', (byte)'N', (byte)'G', 1, 2, 3]);
        string outDir = _m.Path("cli-model"), feats = _m.Path("cli-features");
        var (code, o, err) = Kv("transfer", TinyFeaturizer(), data, "-o", outDir, "--backend", "reference", "--hidden", "3",
            "--epochs", "4", "--augment", "flip,crop", "--export-features", feats);
        Assert.True(code == 0, err + o);
        Assert.Contains("warning: ", err);
        Assert.Contains("broken.png", err);
        Assert.DoesNotContain("warning: ", o); // stdout stays the training log
        Assert.Contains("1 unreadable skipped", o);
        Assert.Contains("epoch   1:", o);
        foreach (var file in new[] { "model.onnx", "model.json", "training.png", "training.csv" }) Assert.True(File.Exists(Path.Combine(outDir, file)), file);
        // 12 readable reds → 2 validation (round(13·0.2)=3 chosen from all 13 incl. the broken one, or 2–3); every training picture tripled by flip+crop.
        var trainLabels = NpyReader.Read(Path.Combine(feats, "train_labels.npy"));
        var valLabels = NpyReader.Read(Path.Combine(feats, "val_labels.npy"));
        Assert.Equal(0, trainLabels.Length % 3);
        Assert.Equal(12 + 1, trainLabels.Length / 3 + valLabels.Length);
        Assert.Equal(3, trainLabels.Int64s.ToArray().Count(v => v == 0)); // the one blue picture, three times
        var meta = ModelMetadata.Load(Path.Combine(outDir, "model.json"));
        Assert.Equal(["blue", "red"], meta.Labels);
        Assert.Equal(ResizeMode.CenterCrop, meta.Input!.Resize);

        var (c2, o2, e2) = Kv("classify", outDir, Path.Combine(data, "blue"), "--backend", "reference");
        Assert.True(c2 == 0, e2);
        Assert.Contains("000.png: ", o2);
    }

    [Fact]
    public void Cli_retrains_on_exported_features_reproducibly_and_checks_their_classes()
    {
        string data = Pictures("reuse", 6, 6, 5);
        string first = _m.Path("reuse-a"), second = _m.Path("reuse-b"), feats = _m.Path("reuse-features");
        var (code, o, err) = Kv("transfer", TinyFeaturizer(), data, "-o", first, "--backend", "reference", "--epochs", "6", "--export-features", feats);
        Assert.True(code == 0, err + o);
        (code, o, err) = Kv("transfer", TinyFeaturizer(), data, "-o", second, "--backend", "reference", "--epochs", "6", "--reuse-features", feats);
        Assert.True(code == 0, err + o);
        Assert.Contains("reused from", o);
        // Same features, same seed: the same epochs to the last digit.
        Assert.Equal(File.ReadAllText(Path.Combine(first, "training.csv")), File.ReadAllText(Path.Combine(second, "training.csv")));

        string other = Pictures("reuse-other", 2, 2, 6);
        Directory.Move(Path.Combine(other, "blue"), Path.Combine(other, "green"));
        var (c3, _, e3) = Kv("transfer", TinyFeaturizer(), other, "-o", _m.Path("never"), "--backend", "reference", "--reuse-features", feats);
        Assert.Equal(2, c3);
        Assert.Contains("config.json", e3);
    }

    [Fact]
    public void Cli_reports_an_empty_data_folder_as_an_error_naming_it()
    {
        string empty = _m.Path("nothing-here");
        Directory.CreateDirectory(empty);
        var (code, _, err) = Kv("transfer", TinyFeaturizer(), empty, "-o", _m.Path("never"));
        Assert.Equal(2, code);
        Assert.StartsWith("error: ", err);
        Assert.Contains(empty, err);
        Assert.False(Directory.Exists(_m.Path("never")));

        var (c2, _, e2) = Kv("transfer", _m.Path("no-such.onnx"), Pictures("p", 2, 2, 1), "-o", _m.Path("never"));
        Assert.Equal(2, c2);
        Assert.Contains("no-such.onnx", e2);
    }

    [Fact]
    public void Cli_transfers_from_the_real_resnet18_featurizer()
    {
        // Six pictures through ImageNet ResNet-18 (about a second of compute): the restore's package is
        // found, the CNTK graphs chain, and the model folder classifies its own training pictures.
        string data = Pictures("resnet", 3, 3, 4);
        string outDir = _m.Path("resnet-model");
        var (code, o, err) = Kv("transfer", Featurizer.ResNet18ImageNet, data, "-o", outDir, "--val-split", "0", "--epochs", "30", "--lr", "0.01");
        Assert.True(code == 0, err + o);
        Assert.Contains("x 512 in", o);
        var (c2, o2, e2) = Kv("classify", outDir, Path.Combine(data, "red"), "--top", "1");
        Assert.True(c2 == 0, e2);
        Assert.Equal(3, o2.Split('\n').Count(l => l.Contains(": red ")));
    }
}
