namespace KernelVision.Vision.Transfer;

/// <summary>One picture and the index of its class.</summary>
public readonly record struct LabeledImage(string Path, int Label);

/// <summary>
/// A labelled picture collection on disk: one sub-folder per class, the folder name is the label
/// (the Keras <c>flow_from_directory</c> layout). Classes are sorted by name (ordinal), images by
/// path; sub-folders of a class folder are searched too.
/// </summary>
public sealed class ImageFolder
{
    /// <summary>The folder given.</summary>
    public string Root { get; }
    /// <summary>Class names, index = label.</summary>
    public IReadOnlyList<string> Classes { get; }
    /// <summary>Every image file with its label.</summary>
    public IReadOnlyList<LabeledImage> Images { get; }

    private ImageFolder(string root, IReadOnlyList<string> classes, IReadOnlyList<LabeledImage> images)
    {
        Root = root;
        Classes = classes;
        Images = images;
    }

    /// <summary>
    /// Scans <paramref name="root"/>. With <paramref name="classes"/> (a test folder scored against a
    /// trained model) every class folder must name one of them; labels are their indices.
    /// Missing folder, no class folders, a class folder without images, fewer than two classes:
    /// <see cref="InputException"/> naming the folder.
    /// </summary>
    public static ImageFolder Scan(string root, IReadOnlyList<string>? classes = null)
    {
        if (!Directory.Exists(root)) throw new InputException($"{root}: no such folder (expected one sub-folder of images per class)");
        var dirs = Directory.GetDirectories(root).OrderBy(d => Path.GetFileName(d), StringComparer.Ordinal).ToList();
        if (dirs.Count == 0)
            throw new InputException($"{root}: folder holds no class folders; put each class's images in a sub-folder named as the label (e.g. {Path.Combine(root, "indoor")}, {Path.Combine(root, "outdoor")})");
        var names = dirs.Select(d => Path.GetFileName(d)!).ToList();
        var labelOf = (classes ?? names).Select((n, i) => (n, i)).ToDictionary(t => t.n, t => t.i, StringComparer.Ordinal);
        var images = new List<LabeledImage>();
        foreach (var dir in dirs)
        {
            string name = Path.GetFileName(dir)!;
            if (!labelOf.TryGetValue(name, out int label))
                throw new InputException($"{dir}: class '{name}' is not one of the model's classes ({string.Join(", ", classes!)})");
            var files = Directory.EnumerateFiles(dir, "*", SearchOption.AllDirectories)
                .Where(f => ImageIO.Extensions.Contains(Path.GetExtension(f)))
                .OrderBy(f => f, StringComparer.Ordinal).ToList();
            if (files.Count == 0) throw new InputException($"{dir}: class folder holds no image files ({string.Join(", ", ImageIO.Extensions.Order())})");
            images.AddRange(files.Select(f => new LabeledImage(f, label)));
        }
        if (classes is null && names.Count < 2)
            throw new InputException($"{root}: holds one class folder ('{names[0]}'); a classifier needs at least two classes");
        return new ImageFolder(root, classes ?? names, images);
    }

    /// <summary>
    /// A stratified split, the same for the same seed: per class, round(n·<paramref name="fraction"/>)
    /// randomly chosen images go to validation, but at least one stays for training (so a class
    /// with one image trains on it and validates on none). Returns indices into <see cref="Images"/>.
    /// </summary>
    public (int[] Train, int[] Validation) Split(double fraction, ulong seed)
    {
        if (!(fraction >= 0 && fraction < 1)) throw new InputException($"--val-split must be in [0, 1), got {fraction}");
        var rng = new LatentRng(seed);
        var train = new List<int>();
        var val = new List<int>();
        for (int c = 0; c < Classes.Count; c++)
        {
            var idx = Enumerable.Range(0, Images.Count).Where(i => Images[i].Label == c).ToArray();
            HeadTrainer.Shuffle(idx, rng);
            int nVal = Math.Min((int)Math.Round(idx.Length * fraction, MidpointRounding.AwayFromZero), idx.Length - 1);
            val.AddRange(idx.Take(Math.Max(0, nVal)));
            train.AddRange(idx.Skip(Math.Max(0, nVal)));
        }
        train.Sort();
        val.Sort();
        return (train.ToArray(), val.ToArray());
    }
}
