using System.CommandLine;
using KernelVision.Vision;

namespace KernelVision.Cli.Commands;

/// <summary>
/// <c>kv inpaint MODEL IMAGE (--mask MASK.png | --rect x,y,w,h) --out FILE.png [--compare FILE.png]</c>:
/// fills the missing region with an encoder–decoder model; --compare also writes input | inpainted | original.
/// </summary>
internal static class InpaintCommand
{
    public static Command Create(TextWriter o)
    {
        var model = new Argument<string>("model") { Description = "Inpainting model: folder with model.onnx + model.json, or the .onnx file" };
        var image = new Argument<string>("image") { Description = "Image to complete" };
        var mask = new Option<string?>("--mask", "-m") { Description = "Mask picture: light pixels (luma >= 128) are missing; stretched to the image" };
        var rect = new Option<string?>("--rect", "-r") { Description = "x,y,w,h: the missing rectangle, in image pixels" };
        var outFile = new Option<string>("--out", "-o") { Description = "Completed image; the format follows the extension (.png, .jpg, .webp, .bmp)", Required = true };
        var compare = new Option<string?>("--compare") { Description = "Also write input | inpainted | original side by side here" };
        var zoom = new Option<int>("--zoom") { Description = "Enlarge the outputs this many times", DefaultValueFactory = _ => 1 };
        var backend = VisionCli.Backend();
        var threads = VisionCli.Threads();
        var cmd = new Command("inpaint", "Fill a masked region of an image") { model, image, mask, rect, outFile, compare, zoom, backend, threads };
        cmd.SetAction(p =>
        {
            string? maskPath = p.GetValue(mask), rectText = p.GetValue(rect);
            if ((maskPath is null) == (rectText is null)) throw new InputException("give exactly one of --mask MASK.png or --rect x,y,w,h");
            int z = VisionCli.Zoom(p.GetValue(zoom));
            ImageIO.CheckSaveFormat(p.GetValue(outFile)!, "--out");
            if (p.GetValue(compare) is string c) ImageIO.CheckSaveFormat(c, "--compare");
            using var m = VisionCli.Open(p.GetValue(model)!, p.GetValue(backend), p.GetValue(threads));
            var painter = new Inpainter(m);
            var img = ImageIO.Load(p.GetValue(image)!, m.Options.Limits);
            var result = Run(painter, img, maskPath, rectText, m.Options.Limits);
            string outPath = p.GetValue(outFile)!;
            ImageIO.Save(result.Completed.Zoom(z), outPath);
            int holes = result.Mask.Count(b => b);
            o.WriteLine($"wrote {outPath}: {result.Completed.Width * z}x{result.Completed.Height * z}, {holes} of {result.Mask.Length} pixels filled ({VisionCli.F(100.0 * holes / result.Mask.Length, "0.0")}%)");
            if (p.GetValue(compare) is string cmp)
            {
                // Small pictures (the 28x28 items) are enlarged to be seen; photos are not.
                var side = result.SideBySide(Math.Max(z, Math.Max(result.Completed.Width, result.Completed.Height) < 128 ? 4 : 1));
                ImageIO.Save(side, cmp);
                o.WriteLine($"wrote {cmp}: input | inpainted | original, {side.Width}x{side.Height}");
            }
            return 0;
        });
        return cmd;
    }

    /// <summary>Builds the mask from a file or a rectangle and inpaints.</summary>
    internal static InpaintResult Run(Inpainter painter, RgbImage img, string? maskPath, string? rectText, ImageLimits limits)
    {
        RgbImage maskImg;
        if (maskPath is not null) maskImg = ImageIO.Load(maskPath, limits);
        else
        {
            var r = VisionCli.Ints(rectText!, "--rect", 4);
            maskImg = Inpainter.RectMask(img.Width, img.Height, r[0], r[1], r[2], r[3]);
        }
        return painter.Inpaint(img, maskImg);
    }
}
