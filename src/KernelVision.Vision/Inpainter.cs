using KernelVision.Tensors;

namespace KernelVision.Vision;

/// <summary>What inpainting produced, at the source picture's size (the model's window is pasted back into it).</summary>
public sealed record InpaintResult(RgbImage Original, RgbImage Masked, RgbImage Completed, bool[] Mask)
{
    /// <summary>Masked input, completed image and original side by side, <paramref name="zoom"/> times enlarged, with captions.</summary>
    public RgbImage SideBySide(int zoom = 4)
    {
        var tiles = new[] { Masked, Completed, Original }.Select(t => t.Zoom(zoom)).ToArray();
        string[] captions = ["input", "inpainted", "original"];
        int gap = 4, caption = BitmapFont.LineHeight() + 4;
        int w = tiles.Sum(t => t.Width) + gap * (tiles.Length + 1), h = tiles.Max(t => t.Height) + caption + 2 * gap;
        var canvas = new RgbImage(w, h, Rgb.White);
        int x = gap;
        for (int i = 0; i < tiles.Length; i++)
        {
            canvas.Paste(tiles[i], x, gap);
            int tw = BitmapFont.MeasureWidth(captions[i]);
            BitmapFont.DrawText(canvas, x + Math.Max(0, (tiles[i].Width - tw) / 2), gap + tiles[i].Height + 3, captions[i], Rgb.Black);
            x += tiles[i].Width + gap;
        }
        return canvas;
    }
}

/// <summary>
/// Inpainting with an encoder–decoder model (docs/MODEL-METADATA.md): the normalised image with holes
/// zeroed and the mask (1 = missing) go in; the output is composited as image·(1 − mask) + output·mask.
/// </summary>
public sealed class Inpainter
{
    /// <summary>The model.</summary>
    public VisionModel Model { get; }
    /// <summary>Input spec (size and normalisation of image and output).</summary>
    public ImageInputSpec Input { get; }
    /// <summary>Input/output names.</summary>
    public InpaintingSpec Spec { get; }

    /// <summary>Prepares inpainting; needs metadata with task "inpainting".</summary>
    public Inpainter(VisionModel model)
    {
        Model = model;
        var meta = model.RequireMetadata(VisionTask.Inpainting);
        Input = meta.Input! with { Name = meta.Inpainting!.Image };
        Spec = meta.Inpainting;
        model.CheckImageInput(Input, meta.SourcePath);
    }

    /// <summary>A mask of the source picture's size with the rectangle (x, y, w, h) missing.</summary>
    public static RgbImage RectMask(int width, int height, int x, int y, int w, int h)
    {
        if (w <= 0 || h <= 0) throw new InputException($"--rect needs a positive width and height, got {w}x{h}");
        if (x >= width || y >= height || x + w <= 0 || y + h <= 0)
            throw new InputException($"--rect {x},{y},{w},{h} lies outside the {width}x{height} image");
        var m = new RgbImage(width, height);
        m.FillRect(x, y, w, h, Rgb.White);
        return m;
    }

    /// <summary>
    /// Fills the holes of <paramref name="image"/> at its own resolution. <paramref name="mask"/> is a
    /// picture (any size; stretched to the image) whose light pixels (luma ≥ 128) mark what is missing.
    /// A picture of the model's input size goes in whole. A larger one is not shrunk to the model (a
    /// 4000×3000 photo came back as a 28×28 grey picture): the model sees a window around the hole
    /// with the model's aspect, about twice the hole's extent (the shipped model was trained on holes
    /// of 3/8 of its input) and never smaller than the model's input; its output is stretched back
    /// to the window and only the hole's pixels are pasted into the original, so everything else
    /// keeps its colour and resolution.
    /// </summary>
    public InpaintResult Inpaint(RgbImage image, RgbImage mask)
    {
        if (image.Width == Input.Width && image.Height == Input.Height) return InpaintWindow(image, mask);
        var srcMask = mask.Width == image.Width && mask.Height == image.Height ? mask : Preprocessing.Resize(mask, image.Width, image.Height);
        int n = image.Width * image.Height;
        var holes = new bool[n];
        int bx0 = int.MaxValue, by0 = int.MaxValue, bx1 = -1, by1 = -1;
        for (int i = 0; i < n; i++)
        {
            if (Preprocessing.Luma(srcMask.Pixels[3 * i], srcMask.Pixels[3 * i + 1], srcMask.Pixels[3 * i + 2]) < 128) continue;
            holes[i] = true;
            int x = i % image.Width, y = i / image.Width;
            bx0 = Math.Min(bx0, x); bx1 = Math.Max(bx1, x); by0 = Math.Min(by0, y); by1 = Math.Max(by1, y);
        }
        if (bx1 < 0) throw new InputException("the mask marks no pixel as missing (light pixels = missing)");

        double scale = Math.Max(1, 2 * Math.Max((bx1 - bx0 + 1) / (double)Input.Width, (by1 - by0 + 1) / (double)Input.Height));
        int ww = Math.Min(image.Width, (int)Math.Ceiling(Input.Width * scale)), wh = Math.Min(image.Height, (int)Math.Ceiling(Input.Height * scale));
        int wx = Math.Clamp((bx0 + bx1 + 1) / 2 - ww / 2, 0, image.Width - ww), wy = Math.Clamp((by0 + by1 + 1) / 2 - wh / 2, 0, image.Height - wh);
        var window = InpaintWindow(image.Crop(wx, wy, ww, wh), srcMask.Crop(wx, wy, ww, wh));
        var filled = Preprocessing.Resize(window.Completed, ww, wh);

        var completed = image.Clone();
        var masked = image.Clone();
        for (int y = wy; y < wy + wh; y++)
            for (int x = wx; x < wx + ww; x++)
            {
                int i = y * image.Width + x;
                if (!holes[i]) continue;
                int j = (y - wy) * ww + (x - wx);
                completed.Pixels[3 * i] = filled.Pixels[3 * j];
                completed.Pixels[3 * i + 1] = filled.Pixels[3 * j + 1];
                completed.Pixels[3 * i + 2] = filled.Pixels[3 * j + 2];
            }
        // A hole outside the window (two far-apart holes) stays unfilled; mark every hole in the input.
        for (int i = 0; i < n; i++)
            if (holes[i]) { masked.Pixels[3 * i] = 255; masked.Pixels[3 * i + 1] = 0; masked.Pixels[3 * i + 2] = 255; }
        return new InpaintResult(image, masked, completed, holes);
    }

    /// <summary>One model run: the picture and mask fitted to the model's input, the result at that size.</summary>
    private InpaintResult InpaintWindow(RgbImage image, RgbImage mask)
    {
        var (fitted, _) = Preprocessing.Fit(image, Input);
        var maskFit = Preprocessing.Fit(mask, Input with { PadValue = 0 }).Image;
        int W = Input.Width, H = Input.Height, plane = W * H, C = Input.Channels;
        var holes = new bool[plane];
        for (int i = 0; i < plane; i++)
            holes[i] = Preprocessing.Luma(maskFit.Pixels[3 * i], maskFit.Pixels[3 * i + 1], maskFit.Pixels[3 * i + 2]) >= 128;
        if (!holes.Any(h => h)) throw new InputException("the mask marks no pixel as missing (light pixels = missing)");

        var img = Preprocessing.ToTensor([fitted], Input);
        var maskT = Tensor.FromFloats([1, 1, H, W], holes.Select(h => h ? 1f : 0f).ToArray());
        var x = img.Floats;
        for (int c = 0; c < C; c++)
            for (int i = 0; i < plane; i++)
                if (holes[i]) x[c * plane + i] = 0f;

        var outT = Model.Run(new Dictionary<string, Tensor> { [Spec.Image] = img, [Spec.Mask] = maskT }, Spec.Output)[0];
        if (outT.Type != DataType.Float32 || outT.Rank != 4 || outT.Shape[1] != C || outT.Shape[2] != H || outT.Shape[3] != W)
            throw new InputException($"{Model.DisplayName}: output '{Spec.Output}' is {outT.Describe()}, expected float32[1,{C},{H},{W}]");
        var composite = Composite(img, outT, holes);
        var masked = fitted.Clone();
        for (int i = 0; i < plane; i++)
            if (holes[i]) { masked.Pixels[3 * i] = 255; masked.Pixels[3 * i + 1] = 0; masked.Pixels[3 * i + 2] = 255; } // holes in magenta
        return new InpaintResult(fitted, masked, Postprocessing.Denormalize(composite, 0, Input), holes);
    }

    /// <summary>result = image·(1 − mask) + output·mask, per channel, for batch item 0.</summary>
    public static Tensor Composite(Tensor image, Tensor output, bool[] holes)
    {
        var r = image.Clone();
        var rf = r.Floats;
        var of = output.Floats;
        int plane = holes.Length, C = image.Shape[1];
        for (int c = 0; c < C; c++)
            for (int i = 0; i < plane; i++)
                if (holes[i]) rf[c * plane + i] = of[c * plane + i];
        return r;
    }
}
