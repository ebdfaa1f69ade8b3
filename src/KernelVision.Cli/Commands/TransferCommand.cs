using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using System.Reflection;
using System.Text.Json;
using KernelVision.Vision;
using KernelVision.Vision.Transfer;

namespace KernelVision.Cli.Commands;

/// <summary>
/// <c>kv transfer BASE DATA_DIR -o MODEL_DIR</c>: transfer learning. Features of every picture in
/// DATA_DIR (one sub-folder per class) through a frozen pretrained featurizer, a small head trained
/// on them in C# (<see cref="HeadTrainer"/>), and an ordinary model folder (featurizer + head as one
/// ONNX file, model.json with the labels) that kv classify and the library use like any classifier.
/// </summary>
internal static class TransferCommand
{
    public static Command Create(TextWriter o, TextWriter e)
    {
        var baseArg = new Argument<string>("base") { Description = $"Featurizer: an ONNX file (image in, features out; preprocessing from the model.json beside it, else ImageNet's) or '{Featurizer.ResNet18ImageNet}'" };
        var data = new Argument<string>("data") { Description = "Training pictures: one sub-folder per class, the folder name is the label" };
        var outDir = new Option<string>("--out", "-o") { Description = "Model folder to write (model.onnx, model.json, training.png, training.csv)", Required = true };
        var hidden = new Option<int>("--hidden") { Description = "Hidden units before the softmax (0 = softmax regression; the Keras example uses 1024)", DefaultValueFactory = _ => 0 };
        var epochs = new Option<int>("--epochs") { Description = "Most epochs", DefaultValueFactory = _ => 100 };
        var batch = new Option<int>("--batch-size") { Description = "Samples per Adam step", DefaultValueFactory = _ => 32 };
        var lr = new Option<float>("--lr") { Description = "Adam learning rate", DefaultValueFactory = _ => 1e-3f };
        var wd = new Option<float>("--weight-decay") { Description = "L2 weight decay on the weights", DefaultValueFactory = _ => 1e-4f };
        var patience = new Option<int>("--patience") { Description = "Early stopping: epochs without a lower validation loss", DefaultValueFactory = _ => 5 };
        var valSplit = new Option<double>("--val-split") { Description = "Share of each class held out for validation", DefaultValueFactory = _ => 0.2 };
        var seed = new Option<ulong>("--seed") { Description = "Seed for the split, augmentation, initial weights and shuffles", DefaultValueFactory = _ => 0UL };
        var augment = new Option<string>("--augment") { Description = "Extra training pictures: none, flip, crop or flip,crop", DefaultValueFactory = _ => "none" };
        var featureBatch = new Option<int>("--feature-batch") { Description = "Pictures per featurizer run", DefaultValueFactory = _ => 16 };
        var test = new Option<string?>("--test") { Description = "Held-out pictures (same class folders) to score the trained model on" };
        var reuse = new Option<string?>("--reuse-features") { Description = "Train on features an earlier --export-features wrote (its split and pictures) instead of running the featurizer; --seed then sets only the initial weights and shuffles" };
        var export = new Option<string?>("--export-features") { Description = "Folder for the features as .npy (train/val/test) plus config.json, for tools/transfer_oracle.py" };
        var plot = new Option<string?>("--plot") { Description = "Training curves PNG (default MODEL_DIR/training.png)" };
        var name = new Option<string?>("--name") { Description = "Model name in model.json (default: the output folder's name)" };
        var backend = VisionCli.Backend();
        var threads = VisionCli.Threads();
        var cmd = new Command("transfer", "Train a classifier for your own classes on a pretrained featurizer (transfer learning)")
        {
            baseArg, data, outDir, hidden, epochs, batch, lr, wd, patience, valSplit, seed, augment, featureBatch, test, reuse, export, plot, name, backend, threads,
        };
        cmd.SetAction(p =>
        {
            var total = Stopwatch.StartNew();
            var options = new HeadTrainingOptions
            {
                Hidden = p.GetValue(hidden), MaxEpochs = p.GetValue(epochs), BatchSize = p.GetValue(batch), LearningRate = p.GetValue(lr),
                WeightDecay = p.GetValue(wd), Patience = p.GetValue(patience), Seed = p.GetValue(seed),
            };
            options.Validate();
            var aug = ParseAugment(p.GetValue(augment)!);
            int fb = p.GetValue(featureBatch);
            if (fb is < 1 or > 4096) throw new InputException($"--feature-batch must be 1..4096, got {fb}");
            string dir = p.GetValue(outDir)!;
            double split = p.GetValue(valSplit);
            ulong s = p.GetValue(seed);

            var folder = ImageFolder.Scan(p.GetValue(data)!);
            var testFolder = p.GetValue(test) is { } t ? ImageFolder.Scan(t, folder.Classes) : null;
            var (trainIdx, valIdx) = folder.Split(split, s);
            VisionCli.ApplyThreads(p.GetValue(threads));
            using var featurizer = Featurizer.Open(p.GetValue(baseArg)!, Featurizer.DefaultPackageRoots(RestoreRoot()), p.GetValue(backend));
            string backendName = featurizer.Session.Options.Backend.Name;
            o.WriteLine($"featurizer: {featurizer.Description} on {backendName}; input {featurizer.Input.Width}x{featurizer.Input.Height} {featurizer.Input.Color.ToString().ToLowerInvariant()}");
            o.WriteLine($"data: {folder.Classes.Count} classes ({string.Join(", ", folder.Classes)}), {folder.Images.Count} pictures: {trainIdx.Length} training, {valIdx.Length} validation" +
                (testFolder is null ? "" : $"; test: {testFolder.Images.Count}"));

            var sw = Stopwatch.StartNew();
            FeatureSet trainSet, valSet;
            FeatureSet? testSet;
            if (p.GetValue(reuse) is { } reuseDir)
            {
                (trainSet, valSet, testSet) = LoadFeatures(reuseDir, folder.Classes);
                featurizer.Features([Preprocessing.Fit(new RgbImage(featurizer.Input.Width, featurizer.Input.Height), featurizer.Input).Image]); // sets and checks Dim
                if (trainSet.Dim != featurizer.Dim) throw new InputException($"{reuseDir}: features have {trainSet.Dim} values, {featurizer.Description} gives {featurizer.Dim}");
                o.WriteLine($"features: reused from {reuseDir}: {trainSet.Count} training, {valSet.Count} validation, {testSet?.Count ?? 0} test");
            }
            else
            {
                int skipped = 0;
                // Warnings go to stderr like classify's, so stdout stays the training log a script can read.
                void Warn(string w) { skipped++; e.WriteLine(w); }
                var limits = ImageLimits.Default;
                trainSet = Features(o, "training", featurizer, folder, trainIdx, fb, aug, s, limits, Warn);
                valSet = Features(o, "validation", featurizer, folder, valIdx, fb, Augmentation.None, s, limits, Warn);
                testSet = testFolder is null ? null
                    : Features(o, "test", featurizer, testFolder, Enumerable.Range(0, testFolder.Images.Count).ToArray(), fb, Augmentation.None, s, limits, Warn);
                sw.Stop();
                int pictures = trainSet.Count + valSet.Count + (testSet?.Count ?? 0);
                o.WriteLine($"features: {pictures} pictures{(aug == Augmentation.None ? "" : " (augmented copies included)")} x {featurizer.Dim} in {Seconds(sw.Elapsed)} " +
                    $"({VisionCli.F(pictures / Math.Max(1e-9, sw.Elapsed.TotalSeconds), "0.0")}/s){(skipped > 0 ? $"; {skipped} unreadable skipped" : "")}");
            }
            var missing = Enumerable.Range(0, folder.Classes.Count).Where(c => !trainSet.Labels.Contains(c)).Select(c => folder.Classes[c]).ToList();
            if (missing.Count > 0)
                throw new InputException($"{folder.Root}: no readable training picture for class{(missing.Count > 1 ? "es" : "")} {string.Join(", ", missing)}");

            sw.Restart();
            var result = HeadTrainer.Train(trainSet, valSet, folder.Classes.Count, options, e => o.WriteLine(
                $"epoch {e.Epoch,3}: loss {VisionCli.F(e.TrainLoss, "0.0000")} acc {Pct(e.TrainAccuracy)}" +
                (double.IsNaN(e.ValLoss) ? "" : $" | val loss {VisionCli.F(e.ValLoss, "0.0000")} acc {Pct(e.ValAccuracy)}")));
            sw.Stop();
            var head = result.Head;
            var best = result.History[result.BestEpoch - 1];
            o.WriteLine($"head: {(options.Hidden > 0 ? $"{featurizer.Dim}-{options.Hidden}-{folder.Classes.Count} (ReLU)" : $"softmax regression {featurizer.Dim}-{folder.Classes.Count}")}, " +
                $"{result.History.Count} epochs in {Seconds(sw.Elapsed)}{(result.StoppedEarly ? " (early stop)" : "")}; kept epoch {result.BestEpoch}" +
                (valSet.Count > 0 ? $": validation accuracy {Pct(best.ValAccuracy)}" : " (no validation pictures: monitored the training loss)"));
            double testAcc = double.NaN;
            if (testSet is not null)
            {
                testAcc = HeadTrainer.Evaluate(head, testSet).Accuracy;
                o.WriteLine($"test: {testSet.Count} pictures, accuracy {Pct(testAcc)}");
            }

            string modelName = p.GetValue(name) ?? Path.GetFileName(Path.TrimEndingDirectorySeparator(Path.GetFullPath(dir)));
            TransferLearning.Export(featurizer, head, folder.Classes, dir, modelName,
                $"Transfer learning: {featurizer.Description} features + {(options.Hidden > 0 ? $"dense {options.Hidden} ReLU + " : "")}softmax head trained by kv transfer on {folder.Root}",
                w => WriteRecord(w, featurizer, options, aug, split, folder, trainSet, valSet, testSet, result, testAcc));
            WriteCsv(Path.Combine(dir, "training.csv"), result.History);
            string plotPath = p.GetValue(plot) ?? Path.Combine(dir, "training.png");
            ImageIO.SavePng(TrainingChart.Render(result.History, result.BestEpoch, $"kv transfer: {modelName} ({featurizer.Description})"), plotPath);
            if (p.GetValue(export) is { } ex) ExportFeatures(ex, options, folder.Classes, trainSet, valSet, testSet);
            o.WriteLine($"wrote {Path.Combine(dir, "model.onnx")}, model.json, training.csv, {plotPath}{(p.GetValue(export) is { } e2 ? $"; features in {e2}" : "")}");
            o.WriteLine($"total {Seconds(total.Elapsed)}");
            return 0;
        });
        return cmd;
    }

    /// <summary>The NuGet global-packages folder the build restored into (baked into kv by its .csproj).</summary>
    internal static string? RestoreRoot() =>
        typeof(TransferCommand).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>().FirstOrDefault(a => a.Key == "KvNuGetPackageRoot")?.Value;

    /// <summary>Reads what <see cref="ExportFeatures"/> wrote; the classes must be the data folder's.</summary>
    private static (FeatureSet Train, FeatureSet Val, FeatureSet? Test) LoadFeatures(string dir, IReadOnlyList<string> classes)
    {
        string config = Path.Combine(dir, "config.json");
        if (!File.Exists(config)) throw new InputException($"{config}: not found (--reuse-features takes a folder written by --export-features)");
        string[] saved;
        try
        {
            using var doc = JsonDocument.Parse(File.ReadAllText(config));
            saved = doc.RootElement.GetProperty("classes").EnumerateArray().Select(e => e.GetString() ?? "").ToArray();
        }
        catch (Exception e) when (e is JsonException or KeyNotFoundException or InvalidOperationException)
        {
            throw new InputException($"{config}: no class list ({e.Message})", e);
        }
        if (!saved.SequenceEqual(classes))
            throw new InputException($"{config}: classes ({string.Join(", ", saved)}) are not the data folder's ({string.Join(", ", classes)})");
        FeatureSet? Read(string name, bool required)
        {
            string f = Path.Combine(dir, $"{name}_features.npy"), l = Path.Combine(dir, $"{name}_labels.npy");
            if (!File.Exists(f) && !required) return null;
            var x = KernelVision.Tensors.NpyReader.Read(f);
            var y = KernelVision.Tensors.NpyReader.Read(l);
            if (x.Type != KernelVision.Tensors.DataType.Float32 || x.Rank != 2 || y.Type != KernelVision.Tensors.DataType.Int64 || y.Rank != 1 || y.Shape[0] != x.Shape[0])
                throw new InputException($"{f}: expected float32 [n, D] features with int64 [n] labels, got {x.Describe()} and {y.Describe()}");
            var labels = y.Int64s.ToArray().Select(v => v >= 0 && v < classes.Count ? (int)v : throw new InputException($"{l}: label {v} is not a class index")).ToArray();
            return new FeatureSet(x.Floats.ToArray(), labels, x.Shape[1]);
        }
        return (Read("train", true)!, Read("val", true)!, Read("test", false));
    }

    private static Augmentation ParseAugment(string text)
    {
        var r = Augmentation.None;
        foreach (var part in text.ToLowerInvariant().Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
            r |= part switch
            {
                "none" => Augmentation.None,
                "flip" => Augmentation.Flip,
                "crop" => Augmentation.Crop,
                _ => throw new InputException($"--augment: '{part}' is not none, flip or crop"),
            };
        return r;
    }

    private static FeatureSet Features(TextWriter o, string what, Featurizer f, ImageFolder folder, int[] idx, int batch, Augmentation aug, ulong seed, ImageLimits limits, Action<string> warn)
    {
        if (idx.Length == 0) return new FeatureSet([], [], f.Dim);
        bool interactive = ProgressLine.Enabled(o);
        int lastQuarter = 0;
        return VisionCli.WithProgress(o, $"{what} features ({idx.Length} pictures)", progress =>
            TransferLearning.Extract(f, folder, idx, batch, aug, seed, limits, warn, (done, total) =>
            {
                progress(done, total);
                // Without a terminal (logs, CI) a line per quarter instead of the bar.
                int quarter = 4 * done / Math.Max(1, total);
                if (!interactive && quarter > lastQuarter && done < total) { lastQuarter = quarter; o.WriteLine($"  {what} features: {done}/{total}"); }
            }));
    }

    private static string Pct(double v) => VisionCli.F(v * 100, "0.0") + "%";

    private static string Seconds(TimeSpan t) => VisionCli.F(t.TotalSeconds, "0.0") + " s";

    /// <summary>The head's hyper-parameters, under the same names in model.json's transfer record and in the oracle's config.json.</summary>
    private static void WriteHeadOptions(Utf8JsonWriter w, HeadTrainingOptions o)
    {
        w.WriteNumber("hidden", o.Hidden);
        w.WriteNumber("batch_size", o.BatchSize);
        w.WriteNumber("learning_rate", o.LearningRate);
        w.WriteNumber("weight_decay", o.WeightDecay);
        w.WriteNumber("patience", o.Patience);
        w.WriteNumber("max_epochs", o.MaxEpochs);
    }

    private static void WriteRecord(Utf8JsonWriter w, Featurizer f, HeadTrainingOptions o, Augmentation aug, double split, ImageFolder folder,
        FeatureSet train, FeatureSet val, FeatureSet? test, HeadTrainingResult r, double testAcc)
    {
        w.WriteStartObject("transfer");
        w.WriteString("base", f.Description);
        w.WriteNumber("features", f.Dim);
        WriteHeadOptions(w, o);
        w.WriteString("augment", aug.ToString().ToLowerInvariant());
        w.WriteNumber("validation_split", split);
        w.WriteNumber("seed", o.Seed);
        w.WriteNumber("epochs_run", r.History.Count);
        w.WriteNumber("best_epoch", r.BestEpoch);
        w.WriteNumber("training_samples", train.Count);
        w.WriteNumber("validation_samples", val.Count);
        var best = r.History[r.BestEpoch - 1];
        if (val.Count > 0) w.WriteNumber("validation_accuracy", Math.Round(best.ValAccuracy * 100, 2));
        if (test is not null)
        {
            w.WriteNumber("test_samples", test.Count);
            w.WriteNumber("test_accuracy", Math.Round(testAcc * 100, 2));
        }
        w.WriteString("data", Path.GetFullPath(folder.Root));
        w.WriteEndObject();
    }

    private static void WriteCsv(string path, IReadOnlyList<EpochStats> history)
    {
        using var w = new StreamWriter(path);
        w.WriteLine("epoch,train_loss,train_accuracy,val_loss,val_accuracy");
        foreach (var e in history)
            w.WriteLine(string.Join(',', new[] { e.Epoch.ToString(CultureInfo.InvariantCulture), N(e.TrainLoss), N(e.TrainAccuracy), N(e.ValLoss), N(e.ValAccuracy) }));
        static string N(double v) => double.IsNaN(v) ? "" : v.ToString("R", CultureInfo.InvariantCulture);
    }

    private static void ExportFeatures(string dir, HeadTrainingOptions o, IReadOnlyList<string> classes, FeatureSet train, FeatureSet val, FeatureSet? test)
    {
        Directory.CreateDirectory(dir);
        void Save(string name, FeatureSet s)
        {
            NpyWriter.Write(Path.Combine(dir, $"{name}_features.npy"), s.Features, s.Count, s.Dim);
            NpyWriter.Write(Path.Combine(dir, $"{name}_labels.npy"), s.Labels, s.Count);
        }
        Save("train", train);
        Save("val", val);
        if (test is not null) Save("test", test);
        using var f = File.Create(Path.Combine(dir, "config.json"));
        using var w = new Utf8JsonWriter(f, new JsonWriterOptions { Indented = true });
        w.WriteStartObject();
        w.WriteStartArray("classes");
        foreach (var c in classes) w.WriteStringValue(c);
        w.WriteEndArray();
        WriteHeadOptions(w, o);
        w.WriteNumber("beta1", o.Beta1);
        w.WriteNumber("beta2", o.Beta2);
        w.WriteNumber("epsilon", o.Epsilon);
        w.WriteNumber("seed", o.Seed);
        w.WriteEndObject();
    }
}
