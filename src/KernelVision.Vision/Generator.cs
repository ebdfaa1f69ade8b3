using KernelVision.Tensors;

namespace KernelVision.Vision;

/// <summary>Image synthesis with a (conditional) generator described by its metadata.</summary>
public sealed class Generator
{
    /// <summary>The model.</summary>
    public VisionModel Model { get; }
    /// <summary>Generator description.</summary>
    public GenerationSpec Spec { get; }
    /// <summary>Class names.</summary>
    public IReadOnlyList<string> Labels { get; }
    /// <summary>True when the generator takes a class label.</summary>
    public bool IsConditional => Spec.Label is not null;
    /// <summary>Samples per run (the latent input's fixed batch size, else 64).</summary>
    public int BatchSize { get; }

    /// <summary>Prepares generation; needs metadata with task "generation".</summary>
    public Generator(VisionModel model)
    {
        Model = model;
        var meta = model.RequireMetadata(VisionTask.Generation);
        Spec = meta.Generation!;
        Labels = meta.Labels;
        var z = model.Input(Spec.Latent, meta.SourcePath);
        if (z.Shape is { Length: 2 } s && s[1].Value is long d && d != Spec.LatentSize)
            throw new InputException($"{meta.SourcePath}: latent_size {Spec.LatentSize} does not match {model.DisplayName} input '{Spec.Latent}' {z.Describe()}");
        if (Spec.Label is not null && model.Input(Spec.Label, meta.SourcePath).Shape is { Length: 2 } ls && ls[1].Value is long k && k != Spec.NumClasses)
            throw new InputException($"{meta.SourcePath}: num_classes {Spec.NumClasses} does not match {model.DisplayName} input '{Spec.Label}'");
        BatchSize = model.MaxBatch(Spec.Latent, 64);
    }

    /// <summary>Label of class <paramref name="i"/>.</summary>
    public string LabelOf(int i) => i >= 0 && i < Labels.Count ? Labels[i] : $"class {i}";

    /// <summary>A one-hot vector of length <paramref name="n"/>.</summary>
    public static float[] OneHot(int c, int n)
    {
        var v = new float[n];
        v[c] = 1;
        return v;
    }

    /// <summary>Checks a class index against the generator.</summary>
    public void CheckClass(int c)
    {
        if (!IsConditional) throw new InputException($"{Model.DisplayName} is an unconditional generator: it takes no class");
        if (c < 0 || c >= Spec.NumClasses) throw new InputException($"class {c} is out of range: {Model.DisplayName} has classes 0..{Spec.NumClasses - 1}");
    }

    /// <summary>
    /// The raw output [N, C, H, W] for latents (each of LatentSize) and, for a conditional generator,
    /// label vectors (each of NumClasses, usually one-hot).
    /// </summary>
    public Tensor Run(IReadOnlyList<float[]> latents, IReadOnlyList<float[]>? labels = null)
    {
        if (latents.Count == 0) throw new ArgumentException("no latents");
        if (IsConditional && (labels is null || labels.Count != latents.Count))
            throw new InputException($"{Model.DisplayName} is conditional: it needs one label per latent");
        var parts = new List<Tensor>();
        for (int start = 0; start < latents.Count; start += BatchSize)
        {
            int n = Math.Min(BatchSize, latents.Count - start);
            var feeds = new Dictionary<string, Tensor> { [Spec.Latent] = Stack(latents, start, n, Spec.LatentSize, "latent") };
            if (IsConditional) feeds[Spec.Label!] = Stack(labels!, start, n, Spec.NumClasses, "label");
            var outT = Model.Run(feeds, Spec.Output)[0];
            if (outT.Type != DataType.Float32 || outT.Rank != 4 || outT.Shape[0] != n)
                throw new InputException($"{Model.DisplayName}: output '{Spec.Output}' is {outT.Describe()}, not images [N,C,H,W]");
            parts.Add(outT);
        }
        if (parts.Count == 1) return parts[0];
        var shape = (int[])parts[0].Shape.Clone();
        shape[0] = latents.Count;
        var all = new float[parts.Sum(p => p.Length)];
        int off = 0;
        foreach (var p in parts) { p.Floats.CopyTo(all.AsSpan(off)); off += p.Length; }
        return Tensor.FromFloats(shape, all);
    }

    private static Tensor Stack(IReadOnlyList<float[]> rows, int start, int n, int width, string what)
    {
        var data = new float[n * width];
        for (int i = 0; i < n; i++)
        {
            var r = rows[start + i];
            if (r.Length != width) throw new InputException($"{what} {start + i} has {r.Length} values, the generator needs {width}");
            r.CopyTo(data, i * width);
        }
        return Tensor.FromFloats([n, width], data);
    }

    /// <summary>Pictures for latents and classes (classes ignored for an unconditional generator).</summary>
    public RgbImage[] Images(IReadOnlyList<float[]> latents, IReadOnlyList<int>? classes = null)
    {
        IReadOnlyList<float[]>? labels = null;
        if (IsConditional)
        {
            if (classes is null || classes.Count != latents.Count) throw new InputException($"{Model.DisplayName} is conditional: give one class per sample");
            foreach (var c in classes) CheckClass(c);
            labels = classes.Select(c => OneHot(c, Spec.NumClasses)).ToList();
        }
        return ToImages(Run(latents, labels));
    }

    /// <summary>Converts an output batch to pictures with the metadata's output range.</summary>
    public RgbImage[] ToImages(Tensor output) =>
        Enumerable.Range(0, output.Shape[0]).Select(i => Postprocessing.FromRange(output, i, Spec.OutputRange.Lo, Spec.OutputRange.Hi)).ToArray();

    /// <summary>
    /// Frames along the slerp path between two latents; the label vector (conditional generators)
    /// moves linearly from <paramref name="labelA"/> to <paramref name="labelB"/>.
    /// </summary>
    public RgbImage[] Interpolate(float[] zA, float[] zB, int steps, float[]? labelA = null, float[]? labelB = null)
    {
        var path = LatentMath.SlerpPath(zA, zB, steps);
        IReadOnlyList<float[]>? labels = null;
        if (IsConditional)
        {
            if (labelA is null || labelB is null) throw new InputException($"{Model.DisplayName} is conditional: interpolation needs classes");
            labels = Enumerable.Range(0, steps).Select(i => LatentMath.Lerp(labelA, labelB, (double)i / (steps - 1))).ToList();
        }
        return ToImages(Run(path, labels));
    }
}
