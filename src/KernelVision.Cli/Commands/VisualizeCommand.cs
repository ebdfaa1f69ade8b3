using System.CommandLine;
using KernelVision.Vision;

namespace KernelVision.Cli.Commands;

/// <summary>
/// <c>kv visualize MODEL [IMAGE] --layer NAME|INDEX --out FILE.png</c> draws a layer's feature maps as
/// a grid (one normalised tile per channel); <c>--list</c> names the layers with their output shapes.
/// Generators take no image: they run on the latent of --seed (and --class).
/// </summary>
internal static class VisualizeCommand
{
    public static Command Create(TextWriter o)
    {
        var model = new Argument<string>("model") { Description = "ONNX model file, or a folder with model.onnx + model.json" };
        var image = new Argument<string?>("image") { Description = "Input image (not needed for a generator or for --list on a model with metadata)", Arity = ArgumentArity.ZeroOrOne };
        var layer = new Option<string?>("--layer") { Description = "Layer index (negative counts from the end) or node/output name (see --list)" };
        var list = new Option<bool>("--list") { Description = "List the layers (after optimisation) with their output shapes" };
        var outFile = new Option<string?>("--out", "-o") { Description = "Output PNG" };
        var maxMaps = new Option<int>("--max-maps") { Description = "Draw at most this many channels", DefaultValueFactory = _ => 64 };
        var seed = new Option<ulong>("--seed") { Description = "Generators: latent seed", DefaultValueFactory = _ => 0UL };
        var cls = new Option<int>("--class") { Description = "Conditional generators: class index", DefaultValueFactory = _ => 0 };
        var backend = VisionCli.Backend();
        var threads = VisionCli.Threads();
        var cmd = new Command("visualize", "Draw a layer's feature maps as a PNG grid, or list the layers") { model, image, layer, list, outFile, maxMaps, seed, cls, backend, threads };
        cmd.SetAction(p =>
        {
            bool listing = p.GetValue(list);
            string? which = p.GetValue(layer), outPath = p.GetValue(outFile);
            if (!listing && (which is null || outPath is null)) throw new InputException("give --layer NAME|INDEX and --out FILE.png, or --list");
            int mm = p.GetValue(maxMaps);
            if (mm < 1) throw new InputException($"--max-maps must be at least 1, got {mm}");
            if (!listing) ImageIO.CheckSaveFormat(outPath!, "--out");
            using var m = VisionCli.Open(p.GetValue(model)!, p.GetValue(backend), p.GetValue(threads));
            string? imagePath = p.GetValue(image);
            RgbImage? img = imagePath is null ? null : ImageIO.Load(imagePath, m.Options.Limits);
            bool needsImage = m.Metadata?.Task != VisionTask.Generation;
            if (needsImage && img is null)
            {
                if (!listing) throw new InputException($"{m.DisplayName} takes an image: give IMAGE");
                // Listing only needs shapes: a blank picture of the input size will do.
                var spec = m.Metadata?.Input ?? m.DefaultImageInput();
                img = new RgbImage(spec.Width, spec.Height);
            }
            var feeds = FeatureMaps.Feeds(m, img, null, p.GetValue(seed), p.GetValue(cls));
            var layers = FeatureMaps.Layers(m.Session, feeds);
            if (listing)
            {
                o.WriteLine($"{m.DisplayName}: {layers.Count} layers after optimisation on {m.Session.Options.Backend.Name}");
                int w = Math.Max(4, layers.Max(l => l.Name.Length));
                foreach (var l in layers)
                    o.WriteLine($"  {l.Index,3}  {l.Name.PadRight(w)}  {l.OpType,-20} {l.ShapeText}");
                return 0;
            }
            var target = FeatureMaps.Find(layers, which!);
            var t = FeatureMaps.Capture(m.Session, feeds, target);
            var picture = FeatureMaps.Render(t, mm);
            ImageIO.Save(picture, outPath!);
            int channels = t.Rank >= 3 ? t.Shape[1] : 1;
            o.WriteLine($"wrote {outPath}: layer {target.Index} '{target.Name}' ({target.OpType}) {t.Describe()}, {Math.Min(channels, mm)} of {channels} maps, {picture.Width}x{picture.Height}");
            return 0;
        });
        return cmd;
    }
}
