using KernelVision.Tensors;

namespace KernelVision.Vision;

/// <summary>One class with its probability.</summary>
public readonly record struct ClassScore(int Index, string Label, float Probability);

/// <summary>The top classes of one image.</summary>
public sealed record Classification(string Source, IReadOnlyList<ClassScore> Top);

/// <summary>
/// One file of a batch run: its classification, or the error that made it skipped (unreadable,
/// corrupt or unsuitable image). Exactly one of <see cref="Result"/> and <see cref="Error"/> is set.
/// </summary>
public sealed record FileClassification(string Source, Classification? Result, KernelVisionException? Error);

/// <summary>
/// Image classification (also scene recognition: a scene model with its labels). Works with a shipped
/// model's metadata or with any ImageNet-style model given an input spec and labels.
/// </summary>
public sealed class Classifier
{
    /// <summary>The model.</summary>
    public VisionModel Model { get; }
    /// <summary>How images become the input tensor.</summary>
    public ImageInputSpec Input { get; }
    /// <summary>Class names (may be empty).</summary>
    public IReadOnlyList<string> Labels { get; }
    /// <summary>Images per run (the input's fixed batch size, else 32).</summary>
    public int BatchSize { get; }
    private readonly string _output;

    /// <summary>
    /// Prepares classification. <paramref name="input"/> and <paramref name="labels"/> override the
    /// metadata; without metadata the input spec comes from <see cref="VisionModel.DefaultImageInput"/>.
    /// </summary>
    /// <param name="model">The opened model.</param>
    /// <param name="input">Input spec overriding the metadata.</param>
    /// <param name="labels">Labels overriding the metadata and the ONNX metadata_props.</param>
    /// <param name="raw">Accept an output that does not look like class scores (see <see cref="NotClassScores"/>).</param>
    public Classifier(VisionModel model, ImageInputSpec? input = null, IReadOnlyList<string>? labels = null, bool raw = false)
    {
        Model = model;
        var meta = model.Metadata;
        if (meta is not null && meta.Task != VisionTask.Classification)
            throw new InputException($"{meta.SourcePath}: model is for {meta.Task.ToString().ToLowerInvariant()}, not classification");
        Input = input ?? meta?.Input ?? model.DefaultImageInput();
        string src = input is null && meta is not null ? meta.SourcePath : "options";
        Input.Validate(src);
        model.CheckImageInput(Input, src);
        Labels = labels ?? meta?.Labels ?? model.OnnxLabels ?? [];
        if (model.Session.Outputs.Count == 0) throw new InputException($"{model.DisplayName}: model has no outputs");
        _output = model.Session.Outputs[0].Name;
        if (!raw && NotClassScores(model, _output, Labels) is { } why)
            throw new InputException($"{model.DisplayName}: {why}; pass --raw (raw: true) to rank its values anyway, or give --labels");
        BatchSize = model.MaxBatch(Input.Name);
    }

    // Ops a class-score vector may pass through after the layer that computes it.
    private static readonly HashSet<string> PassThrough = new(StringComparer.Ordinal)
    {
        "Flatten", "Reshape", "Squeeze", "Unsqueeze", "Identity", "Dropout", "Cast", "GlobalAveragePool", "GlobalMaxPool", "Relu", "Clip",
    };

    // Layers that compute class scores: a fully connected layer, a 1x1 conv classifier (SqueezeNet), a softmax.
    private static readonly HashSet<string> Scoring = new(StringComparer.Ordinal)
    {
        "Gemm", "MatMul", "Conv", "Softmax", "LogSoftmax", "Sigmoid",
    };

    /// <summary>
    /// Why <paramref name="output"/> of <paramref name="model"/> does not look like class scores, or
    /// null when it does. Its declared shape must be [N, K] (or [N, K, 1, 1]); with labels known that
    /// is enough; without, the layer that computes it (looking through reshapes, pooling and ReLU)
    /// must be a classifier layer (Gemm, MatMul, MatMul + Add, Conv, Softmax). A 512-d featurizer ends
    /// in a residual Add or a pooled BatchNorm and is refused.
    /// </summary>
    public static string? NotClassScores(VisionModel model, string output, IReadOnlyList<string> labels)
    {
        var decl = model.Session.Outputs.First(o => o.Name == output);
        if (decl.Shape is { } s && !(s.Length == 2 || s.Length == 4 && s[2].Value == 1 && s[3].Value == 1))
            return $"output '{output}' is {decl.Describe()}, not class scores [N,K]";
        if (labels.Count > 0) return null;
        var producers = new Dictionary<string, KernelVision.Graph.Node>(StringComparer.Ordinal);
        foreach (var n in model.Session.Model.Graph.Nodes)
            foreach (var o in n.Outputs) if (o.Length > 0) producers[o] = n;
        string value = output;
        for (int hop = 0; hop < 64 && producers.TryGetValue(value, out var node); hop++)
        {
            if (PassThrough.Contains(node.OpType) && node.Inputs.Count > 0) { value = node.Inputs[0]; continue; }
            if (Scoring.Contains(node.OpType)) return null;
            if (node.OpType == "Add" && node.Inputs.Any(i => producers.TryGetValue(i, out var p) && p.OpType == "MatMul")) return null;
            return $"output '{output}' comes from {node.DisplayName}, not a classifier layer (Gemm, MatMul, Conv, Softmax): it looks like features, not class scores";
        }
        return null; // a graph input or constant: nothing to judge
    }

    /// <summary>Label of class <paramref name="i"/> ("class i" when unnamed).</summary>
    public string LabelOf(int i) => i >= 0 && i < Labels.Count ? Labels[i] : $"class {i}";

    /// <summary>
    /// Class probabilities for a batch [N, C, H, W] already preprocessed: the model's first output,
    /// flattened per image, passed through softmax unless it already is a probability distribution.
    /// </summary>
    public float[][] Probabilities(Tensor batch)
    {
        var outTensor = Model.Run(new Dictionary<string, Tensor> { [Input.Name] = batch }, _output)[0];
        int n = batch.Shape[0];
        if (outTensor.Type != DataType.Float32 || outTensor.Rank < 1 || outTensor.Shape[0] != n || outTensor.Length % n != 0)
            throw new InputException($"{Model.DisplayName}: output '{_output}' is {outTensor.Describe()}, not class scores [N,K] for {n} images");
        int k = outTensor.Length / n;
        if (Labels.Count > 0 && Labels.Count != k)
            throw new InputException($"{Model.DisplayName}: output has {k} classes but {Labels.Count} labels were given");
        var f = outTensor.Floats;
        var result = new float[n][];
        for (int i = 0; i < n; i++) result[i] = ToProbabilities(f.Slice(i * k, k));
        return result;
    }

    /// <summary>Softmax of <paramref name="scores"/> (in double), unless they already are non-negative and sum to 1.</summary>
    public static float[] ToProbabilities(ReadOnlySpan<float> scores)
    {
        double sum = 0;
        bool isDistribution = true;
        foreach (var s in scores) { if (!(s >= 0 && s <= 1)) isDistribution = false; sum += s; }
        if (isDistribution && Math.Abs(sum - 1) < 1e-3) return scores.ToArray();
        double max = double.NegativeInfinity;
        foreach (var s in scores) max = Math.Max(max, s);
        var e = new double[scores.Length];
        double z = 0;
        for (int i = 0; i < scores.Length; i++) z += e[i] = Math.Exp(scores[i] - max);
        return e.Select(v => (float)(v / z)).ToArray();
    }

    /// <summary>The <paramref name="k"/> best classes of a probability vector, best first (ties: lower index first).</summary>
    public IReadOnlyList<ClassScore> Top(float[] probabilities, int k) =>
        Enumerable.Range(0, probabilities.Length).OrderByDescending(i => probabilities[i]).ThenBy(i => i)
            .Take(Math.Max(1, k)).Select(i => new ClassScore(i, LabelOf(i), probabilities[i])).ToList();

    /// <summary>Classifies pictures already in memory.</summary>
    public List<IReadOnlyList<ClassScore>> Classify(IReadOnlyList<RgbImage> images, int top)
    {
        var result = new List<IReadOnlyList<ClassScore>>();
        for (int start = 0; start < images.Count; start += BatchSize)
        {
            var chunk = images.Skip(start).Take(BatchSize).Select(im => Preprocessing.Fit(im, Input).Image).ToList();
            foreach (var p in Probabilities(Preprocessing.ToTensor(chunk, Input))) result.Add(Top(p, top));
        }
        return result;
    }

    /// <summary>
    /// Classifies image files in batches and yields each file's outcome, in input order, as soon as
    /// its batch has run. A file that cannot be read or preprocessed is yielded with its error and
    /// left out of the batch, so one bad file costs only itself; errors of the model itself still throw.
    /// </summary>
    public IEnumerable<FileClassification> ClassifyEach(IReadOnlyList<string> files, int top, CancellationToken cancel = default)
    {
        for (int start = 0; start < files.Count; start += BatchSize)
        {
            cancel.ThrowIfCancellationRequested();
            int n = Math.Min(BatchSize, files.Count - start);
            var errors = new KernelVisionException?[n];
            var fitted = new List<RgbImage>(n);
            for (int i = 0; i < n; i++)
            {
                string f = files[start + i];
                try { fitted.Add(Preprocessing.Fit(ImageIO.Load(f, Model.Options.Limits), Input).Image); }
                catch (KernelVisionException e) { errors[i] = e; }
                catch (Exception e) when (e is IOException or UnauthorizedAccessException)
                {
                    errors[i] = new InputException($"{f}: {e.Message}", e);
                }
            }
            var probs = fitted.Count > 0 ? Probabilities(Preprocessing.ToTensor(fitted, Input)) : [];
            int next = 0;
            for (int i = 0; i < n; i++)
            {
                string f = files[start + i];
                yield return errors[i] is { } err
                    ? new FileClassification(f, null, err)
                    : new FileClassification(f, new Classification(f, Top(probs[next++], top)), null);
            }
        }
    }

    /// <summary>Classifies image files in batches; <paramref name="progress"/> gets (done, total) after each batch. The first bad file throws (see <see cref="ClassifyEach"/>).</summary>
    public List<Classification> ClassifyFiles(IReadOnlyList<string> files, int top, Action<int, int>? progress = null)
    {
        var result = new List<Classification>();
        for (int start = 0; start < files.Count; start += BatchSize)
        {
            var names = files.Skip(start).Take(BatchSize).ToList();
            var fitted = names.Select(f => Preprocessing.Fit(ImageIO.Load(f, Model.Options.Limits), Input).Image).ToList();
            var probs = Probabilities(Preprocessing.ToTensor(fitted, Input));
            for (int i = 0; i < names.Count; i++) result.Add(new Classification(names[i], Top(probs[i], top)));
            progress?.Invoke(result.Count, files.Count);
        }
        return result;
    }
}
