#!/usr/bin/env python3
"""Writes the seed images of the image-loader fuzz test (tests/KernelVision.Vision.Tests/ImageFuzzTests.cs).

Small, valid files in every container and coding variant the loader accepts, made with Pillow so the
seeds exercise decoder paths ImageSharp's own encoders never write (progressive JPEG, animated WebP,
multi-page and LZW/deflate/PackBits TIFF, RLE BMP, interlaced and 16-bit PNG, 1-bit and palette
images). The fuzz test mutates these and crafts hostile headers itself. Re-run after editing:

    /usr/bin/python3 tools/make_image_seeds.py tests/data/image-seeds
"""
import io
import os
import sys

from PIL import Image


def picture(w, h, frame=0):
    """A deterministic colour pattern: gradients plus a moving diagonal band."""
    im = Image.new("RGB", (w, h))
    px = im.load()
    for y in range(h):
        for x in range(w):
            band = 255 if (x + y + 3 * frame) % 11 < 3 else 0
            px[x, y] = ((x * 255) // max(w - 1, 1), (y * 255) // max(h - 1, 1), band)
    return im


def main(out):
    os.makedirs(out, exist_ok=True)
    base = picture(37, 23)
    frames = [picture(37, 23, f) for f in range(4)]
    seeds = {}

    def save(name, img, **kw):
        buf = io.BytesIO()
        img.save(buf, **kw)
        seeds[name] = buf.getvalue()

    save("rgb.png", base, format="PNG")
    save("rgba-interlaced.png", base.convert("RGBA"), format="PNG", interlace=1)
    save("palette.png", base.convert("P", palette=Image.ADAPTIVE, colors=16), format="PNG")
    save("gray16.png", base.convert("L").convert("I").point(lambda v: v * 257), format="PNG")
    save("bilevel.png", base.convert("1"), format="PNG")
    save("baseline-420.jpg", base, format="JPEG", quality=80, subsampling=2)
    save("progressive-444.jpg", base, format="JPEG", quality=90, progressive=True, subsampling=0)
    save("gray.jpg", base.convert("L"), format="JPEG", quality=75)
    save("cmyk.jpg", base.convert("CMYK"), format="JPEG", quality=75)
    save("animated.gif", frames[0], format="GIF", save_all=True, append_images=frames[1:], duration=50, loop=0)
    save("rgb24.bmp", base, format="BMP")
    save("palette.bmp", base.convert("P", palette=Image.ADAPTIVE, colors=16), format="BMP")
    save("lossy.webp", base, format="WEBP", quality=70)
    save("lossless.webp", base, format="WEBP", lossless=True)
    save("animated.webp", frames[0], format="WEBP", save_all=True, append_images=frames[1:], duration=50, lossless=True)
    save("raw.tif", base, format="TIFF")
    save("lzw.tif", base, format="TIFF", compression="tiff_lzw")
    save("deflate.tif", base, format="TIFF", compression="tiff_adobe_deflate")
    save("packbits.tif", base.convert("L"), format="TIFF", compression="packbits")
    save("multipage.tif", frames[0], format="TIFF", save_all=True, append_images=frames[1:])
    save("rgb.tga", base, format="TGA")
    save("rle.tga", base, format="TGA", compression="tga_rle")
    save("rgb.ppm", base, format="PPM")

    for name, data in seeds.items():
        with open(os.path.join(out, name), "wb") as f:
            f.write(data)
    print(f"{len(seeds)} seed images in {out}")


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "tests/data/image-seeds")
