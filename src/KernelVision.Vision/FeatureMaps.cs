using KernelVision.Execution;
using KernelVision.Tensors;

namespace KernelVision.Vision;

/// <summary>A node of the optimised graph whose output can be shown.</summary>
public sealed record LayerInfo(int Index, string Name, string OpType, string Output, int[]? Shape)
{
    /// <summary>"float32[1,16,14,14]"-style shape text, or "?".</summary>
    public string ShapeText => Shape is null ? "?" : ShapeUtil.Format(Shape);
}

/// <summary>
/// Feature-map visualisation: capture one node's output while the model runs (the session's observer
/// sees every node's outputs; they are copied during the callback because buffers are reused) and draw
/// each channel as a normalised tile of a grid. Layers are the nodes after optimisation (BatchNorm
/// folded into Conv, activations fused), so names are those that still exist in the session.
/// </summary>
public static class FeatureMaps
{
    /// <summary>
    /// Model inputs for a visualisation run: the picture for an image model (with an empty mask for
    /// inpainting), or a seeded latent and class 0 for a generator (<paramref name="image"/> unused).
    /// </summary>
    public static Dictionary<string, Tensor> Feeds(VisionModel model, RgbImage? image, ImageInputSpec? inputOverride = null, ulong seed = 0, int classIndex = 0)
    {
        var meta = model.Metadata;
        if (meta?.Task == VisionTask.Generation)
        {
            var g = meta.Generation!;
            var feeds = new Dictionary<string, Tensor> { [g.Latent] = Tensor.FromFloats([1, g.LatentSize], LatentRng.Latents(seed, 1, g.LatentSize)[0]) };
            if (g.Label is not null)
            {
                if (classIndex < 0 || classIndex >= g.NumClasses) throw new InputException($"class {classIndex} is out of range 0..{g.NumClasses - 1}");
                feeds[g.Label] = Tensor.FromFloats([1, g.NumClasses], Generator.OneHot(classIndex, g.NumClasses));
            }
            return feeds;
        }
        var spec = inputOverride ?? meta?.Input ?? model.DefaultImageInput();
        if (meta?.Inpainting is { } p) spec = spec with { Name = p.Image };
        model.CheckImageInput(spec, meta?.SourcePath ?? "options");
        if (image is null) throw new InputException($"{model.DisplayName} takes an image: give one");
        var result = new Dictionary<string, Tensor> { [spec.Name] = Preprocessing.ToTensor([Preprocessing.Fit(image, spec).Image], spec) };
        if (meta?.Inpainting is { } ip) result[ip.Mask] = Tensor.Zeros(DataType.Float32, [1, 1, spec.Height, spec.Width]);
        return result;
    }

    /// <summary>Every node of the optimised graph with its first output's shape for <paramref name="feeds"/>.</summary>
    public static List<LayerInfo> Layers(InferenceSession session, IReadOnlyDictionary<string, Tensor> feeds)
    {
        var infos = session.InferShapes(feeds);
        return session.Nodes.Select((cn, i) =>
        {
            string output = cn.Node.Outputs.FirstOrDefault(o => o.Length > 0) ?? "";
            var shape = infos.TryGetValue(output, out var ti) ? ti.Shape : null;
            string name = cn.Node.Name.Length > 0 ? cn.Node.Name : output;
            return new LayerInfo(i, name, cn.Node.OpType, output, shape?.ToArray());
        }).ToList();
    }

    /// <summary>Finds a layer by index, node name or output name; a clear error lists the choices otherwise.</summary>
    public static LayerInfo Find(IReadOnlyList<LayerInfo> layers, string which)
    {
        if (int.TryParse(which, out int idx))
        {
            if (idx < 0) idx += layers.Count;
            if (idx >= 0 && idx < layers.Count) return layers[idx];
            throw new InputException($"layer index {which} is out of range 0..{layers.Count - 1} (see --list)");
        }
        return layers.FirstOrDefault(l => l.Name == which) ?? layers.FirstOrDefault(l => l.Output == which)
            ?? layers.FirstOrDefault(l => string.Equals(l.Name, which, StringComparison.OrdinalIgnoreCase))
            ?? throw new InputException($"no layer '{which}' (layers: {string.Join(", ", layers.Take(20).Select(l => l.Name))}{(layers.Count > 20 ? ", ..." : "")}; see --list)");
    }

    /// <summary>Runs the model and returns a copy of <paramref name="layer"/>'s first output.</summary>
    public static Tensor Capture(InferenceSession session, IReadOnlyDictionary<string, Tensor> feeds, LayerInfo layer)
    {
        Tensor? captured = null;
        var target = session.Nodes[layer.Index];
        session.Run(feeds, (cn, outs) =>
        {
            if (ReferenceEquals(cn, target) && outs.Length > 0 && outs[0] is { } t) captured = t.Clone();
        });
        return captured ?? throw new InputException($"layer '{layer.Name}' produced no output (it may have been folded into a constant)");
    }

    /// <summary>
    /// Draws the channels of an [N, C, H, W] tensor (batch item 0) as a grid of tiles, each min–max
    /// normalised on its own and coloured with the viridis colour map; [N, C, L] and [N, K] tensors are
    /// shown as rows. At most <paramref name="maxMaps"/> channels; tiles are enlarged (nearest) to at least
    /// <paramref name="minTile"/> pixels.
    /// </summary>
    public static RgbImage Render(Tensor t, int maxMaps = 64, int minTile = 48)
    {
        if (t.Type != DataType.Float32) throw new InputException($"cannot draw a {t.Describe()} tensor: feature maps are float32");
        int C, H, W;
        switch (t.Rank)
        {
            case 4: C = t.Shape[1]; H = t.Shape[2]; W = t.Shape[3]; break;
            case 3: C = t.Shape[1]; H = 1; W = t.Shape[2]; break;
            case 2: C = 1; H = 1; W = t.Shape[1]; break;
            case 1: C = 1; H = 1; W = t.Shape[0]; break;
            default: throw new InputException($"cannot draw a {t.Describe()} tensor as feature maps");
        }
        if (C * H * W == 0) throw new InputException($"cannot draw an empty {t.Describe()} tensor");
        var f = t.Floats;
        int count = Math.Min(C, Math.Max(1, maxMaps)), plane = H * W;
        int zoom = Math.Max(1, (int)Math.Ceiling((double)minTile / Math.Max(H, W)));
        if (H == 1) zoom = Math.Max(1, Math.Min(zoom, 1024 / Math.Max(1, W)));
        var tiles = new List<RgbImage>();
        for (int c = 0; c < count; c++)
        {
            var map = f.Slice(c * plane, plane);
            float lo = float.PositiveInfinity, hi = float.NegativeInfinity;
            foreach (var v in map) if (float.IsFinite(v)) { lo = Math.Min(lo, v); hi = Math.Max(hi, v); }
            var tile = new RgbImage(W, H);
            for (int i = 0; i < plane; i++)
            {
                double u = hi > lo ? (map[i] - lo) / (hi - lo) : 0.5;
                tile[i % W, i / W] = Viridis(double.IsFinite(u) ? u : 0);
            }
            tiles.Add(H == 1 ? ZoomXY(tile, zoom, Math.Max(zoom, 8)) : tile.Zoom(zoom));
        }
        int columns = H == 1 ? 1 : GridColumns(count);
        return RgbImage.Grid(tiles, columns, 2, Rgb.White);
    }

    /// <summary>
    /// Columns for a grid of <paramref name="count"/> tiles: a divisor between √count and 2√count when
    /// there is one (32 maps → 8×4, no empty cells), else ⌈√count⌉.
    /// </summary>
    public static int GridColumns(int count)
    {
        double r = Math.Sqrt(count);
        for (int d = (int)Math.Ceiling(r); d <= 2 * r; d++)
            if (count % d == 0) return d;
        return (int)Math.Ceiling(r);
    }

    private static RgbImage ZoomXY(RgbImage src, int zx, int zy)
    {
        var r = new RgbImage(src.Width * zx, src.Height * zy);
        for (int y = 0; y < r.Height; y++)
            for (int x = 0; x < r.Width; x++) r[x, y] = src[x / zx, y / zy];
        return r;
    }

    private static readonly Rgb[] ViridisStops =
    [
        new(68, 1, 84), new(72, 40, 120), new(62, 74, 137), new(49, 104, 142), new(38, 130, 142),
        new(31, 158, 137), new(53, 183, 121), new(110, 206, 88), new(181, 222, 43), new(253, 231, 37),
    ];

    /// <summary>The viridis colour map at <paramref name="u"/> ∈ [0, 1] (piecewise linear through 10 stops).</summary>
    public static Rgb Viridis(double u)
    {
        u = Math.Clamp(u, 0, 1) * (ViridisStops.Length - 1);
        int i = Math.Min((int)u, ViridisStops.Length - 2);
        double t = u - i;
        var a = ViridisStops[i];
        var b = ViridisStops[i + 1];
        return new Rgb(Postprocessing.ToByte(a.R + (b.R - a.R) * t), Postprocessing.ToByte(a.G + (b.G - a.G) * t), Postprocessing.ToByte(a.B + (b.B - a.B) * t));
    }
}
