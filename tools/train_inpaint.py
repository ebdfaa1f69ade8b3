"""Train a small U-Net inpainting generator on Fashion-MNIST; export weights/fashion-inpaint/.

    /usr/bin/python3 tools/train_inpaint.py [--epochs N] [--out DIR]

Inputs (docs/MODEL-METADATA.md, "inpainting"): "image" float32 [N,1,28,28] normalised as
(byte/255 - 0.2860)/0.3530 with the hole pixels set to 0, and "mask" float32 [N,1,28,28], 1 = missing
pixel. Output "output" [N,1,28,28]: the completed image in the same normalisation; callers
composite result = image*(1-mask) + output*mask.

Network (DeepFill's idea of a coarse encoder-decoder fed with image + mask, as a small U-Net):
concat(image, mask) -> conv 16 @28 -> conv 32 s2 @14 -> conv 64 s2 @7 -> conv 64 @7 ->
nearest upsample x2, concat skip, conv 32 @14 -> nearest upsample x2, concat skip, conv 16 @28 ->
conv 3x3 -> 1 channel; every hidden conv is conv3x3-BN-ReLU.

Holes: one axis-aligned rectangle per image, width and height uniform in 6..16 px, uniformly
placed inside the 28x28 image. Loss: L1 on the hole pixels + 0.1 x L1 on the known pixels.
Metric: PSNR over the hole pixels of all 10,000 test images (each with a seeded rectangle), in
pixel units [0,1] (composited output de-normalised and clipped), vs mean-fill baselines.

Also writes the demo sample images weights/samples/fashion-*.png (test images, 28x28 gray).
"""

import os
# The 2 cores are shared: OpenMP threads that spin-wait at barriers burn the time slice the other
# thread needs (measured: 3x more CPU per training step under load). Must be set before torch loads.
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")

import argparse
import math
import sys

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import common_fashion as cf  # noqa: E402

SEED = 20240504
TEST_MASK_SEED = 99
HOLE_MIN, HOLE_MAX = 6, 16
SAMPLE_CLASSES = [0, 1, 3, 5, 8, 9]   # first test image of each: T-shirt, trouser, dress, sandal, bag, boot


def cbr(cin, cout, stride=1):
    return nn.Sequential(nn.Conv2d(cin, cout, 3, stride, 1, bias=False), nn.BatchNorm2d(cout), nn.ReLU(True))


class InpaintUNet(nn.Module):
    def __init__(self):
        super().__init__()
        self.e1 = cbr(2, 16)
        self.e2 = cbr(16, 32, 2)
        self.e3 = cbr(32, 64, 2)
        self.mid = cbr(64, 64)
        self.up = nn.Upsample(scale_factor=2, mode="nearest")
        self.d2 = cbr(64 + 32, 32)
        self.d1 = cbr(32 + 16, 16)
        self.out = nn.Conv2d(16, 1, 3, 1, 1)

    def forward(self, image, mask):
        e1 = self.e1(torch.cat([image, mask], 1))      # 28
        e2 = self.e2(e1)                                 # 14
        x = self.mid(self.e3(e2))                        # 7
        x = self.d2(torch.cat([self.up(x), e2], 1))      # 14
        x = self.d1(torch.cat([self.up(x), e1], 1))      # 28
        return self.out(x)


def random_masks(n, gen):
    """[n,1,28,28] float masks, one rectangle each (1 = hole)."""
    w = torch.randint(HOLE_MIN, HOLE_MAX + 1, (n,), generator=gen)
    h = torch.randint(HOLE_MIN, HOLE_MAX + 1, (n,), generator=gen)
    x0 = (torch.rand(n, generator=gen) * (29 - w)).long()
    y0 = (torch.rand(n, generator=gen) * (29 - h)).long()
    ar = torch.arange(28)
    mx = (ar[None, :] >= x0[:, None]) & (ar[None, :] < (x0 + w)[:, None])
    my = (ar[None, :] >= y0[:, None]) & (ar[None, :] < (y0 + h)[:, None])
    return (my[:, :, None] & mx[:, None, :]).float().unsqueeze(1)


def to_pixels(xn):
    """normalised -> [0,1] pixel units, clipped."""
    return (xn * cf.STD + cf.MEAN).clamp(0, 1)


def psnr(mse):
    return 10.0 * math.log10(1.0 / mse)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--epochs", type=int, default=4)
    ap.add_argument("--batch", type=int, default=64)
    ap.add_argument("--out", default=os.path.join(cf.WEIGHTS, "fashion-inpaint"))
    ap.add_argument("--samples", default=os.path.join(cf.WEIGHTS, "samples"))
    ap.add_argument("--train-limit", type=int, default=0, help="smoke test: first N train images")
    args = ap.parse_args()

    clock = cf.Clock()
    cf.setup(SEED)
    xtr_u8, _ = cf.load_fashion("train")
    xte_u8, yte = cf.load_fashion("test")
    if args.train_limit:
        xtr_u8 = xtr_u8[:args.train_limit]
    xtr, xte = cf.normalize_u8(xtr_u8), cf.normalize_u8(xte_u8)

    model = InpaintUNet()
    opt = torch.optim.AdamW(model.parameters(), lr=2e-3, weight_decay=1e-4)
    steps = args.epochs * (len(xtr) // args.batch)
    sched = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=3e-3, total_steps=steps, pct_start=0.2)
    gen = torch.Generator().manual_seed(SEED)
    history = []
    for epoch in range(args.epochs):
        model.train()
        perm = torch.randperm(len(xtr), generator=gen)
        tot, nb = 0.0, 0
        for s in range(0, len(xtr) - args.batch + 1, args.batch):
            x = xtr[perm[s:s + args.batch]]
            flip = torch.rand(len(x), generator=gen) < 0.5
            x = torch.where(flip[:, None, None, None], x.flip(3), x)
            m = random_masks(len(x), gen)
            y = model(x * (1 - m), m)
            err = (y - x).abs()
            loss = (err * m).sum() / m.sum() + 0.1 * (err * (1 - m)).sum() / (1 - m).sum()
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
            sched.step()
            tot += float(loss)
            nb += 1
        history.append((epoch + 1, tot / nb))
        cf.log(f"epoch {epoch + 1}/{args.epochs} loss {tot / nb:.4f} "
               f"({clock.elapsed():.0f} s wall, {clock.cpu_elapsed():.0f} s CPU)")

    # ---- metric on the 10,000 test images, one seeded rectangle each
    model.eval()
    mte = random_masks(len(xte), torch.Generator().manual_seed(TEST_MASK_SEED))
    se_model = se_imgmean = se_dsmean = 0.0
    per_img = {"model": [], "image_mean": [], "dataset_mean": []}
    with torch.no_grad():
        for s in range(0, len(xte), 1000):
            x, m = xte[s:s + 1000], mte[s:s + 1000]
            y = model(x * (1 - m), m)
            truth = to_pixels(x)
            comp = to_pixels(x * (1 - m) + y * m)
            known = (truth * (1 - m)).sum((1, 2, 3)) / (1 - m).sum((1, 2, 3))
            fill_img = truth * (1 - m) + known[:, None, None, None] * m        # mean of known pixels
            fill_ds = truth * (1 - m) + cf.MEAN * m                            # = 0 in the input
            for name, pred in (("model", comp), ("image_mean", fill_img), ("dataset_mean", fill_ds)):
                se = (((pred - truth) ** 2) * m).sum((1, 2, 3)).double()
                mse_i = (se / m.sum((1, 2, 3))).clamp(min=1e-10)
                per_img[name] += (10 * torch.log10(1.0 / mse_i)).tolist()
                if name == "model":
                    se_model += float(se.sum())
                elif name == "image_mean":
                    se_imgmean += float(se.sum())
                else:
                    se_dsmean += float(se.sum())
    npx = float(mte.sum())
    res = {
        "model": psnr(se_model / npx),
        "image_mean": psnr(se_imgmean / npx),
        "dataset_mean": psnr(se_dsmean / npx),
    }
    res_img = {k: float(np.mean(v)) for k, v in per_img.items()}
    cf.log(f"hole PSNR (all hole pixels pooled): model {res['model']:.2f} dB, mean-fill "
           f"(image's known-pixel mean) {res['image_mean']:.2f} dB, dataset-mean fill "
           f"{res['dataset_mean']:.2f} dB; per-image mean PSNR {res_img}")

    # ---- export + oracle: 4 test images with their test masks
    os.makedirs(args.out, exist_ok=True)
    onnx_path = os.path.join(args.out, "model.onnx")
    mo = mte[:4].clone()
    xo = xte[:4] * (1 - mo)
    with torch.no_grad():
        yo = model(xo, mo)
    proto = cf.export_onnx(model, [xo, mo], onnx_path, ["image", "mask"], ["output"])
    err = cf.check_onnx_matches(proto, {"image": xo, "mask": mo}, [yo])
    cf.write_oracle(args.out, [("image", xo.numpy()), ("mask", mo.numpy())], [("output", yo.numpy())])

    # ---- demo samples (plain test images)
    from PIL import Image
    os.makedirs(args.samples, exist_ok=True)
    sample_names = []
    for c in SAMPLE_CLASSES:
        i = int(np.nonzero(yte == c)[0][0])
        slug = cf.LABELS[c].lower().replace("/", "-").replace(" ", "-")
        name = f"fashion-{i}-{slug}.png"
        Image.fromarray(xte_u8[i], "L").save(os.path.join(args.samples, name), optimize=True)
        sample_names.append(name)

    ins, outs = cf.io_shapes(proto)
    ops = cf.op_types(proto)
    r2 = {k: round(v, 2) for k, v in res.items()}
    meta = {
        "format": 1,
        "task": "inpainting",
        "name": "fashion-inpaint",
        "description": "Small U-Net inpainting generator (image + mask in, completed image out) "
                       "trained on Fashion-MNIST with random rectangular holes",
        "input": {"name": "image", "width": 28, "height": 28, "color": "gray", "resize": "stretch",
                  "scale": 255.0, "mean": [cf.MEAN], "std": [cf.STD]},
        "inpainting": {"image": "image", "mask": "mask", "output": "output"},
        "pytorch_hole_psnr_db": r2["model"],
        "baseline_mean_fill_psnr_db": r2["image_mean"],
        "baseline_dataset_mean_fill_psnr_db": r2["dataset_mean"],
    }
    cf.write_json(os.path.join(args.out, "model.json"), meta)

    size = cf.file_size(onnx_path)
    lines = [
        "# fashion-inpaint — provenance",
        "",
        "- **Script**: `tools/train_inpaint.py` (one command: `/usr/bin/python3 tools/train_inpaint.py`)",
        "- **Data**: Fashion-MNIST from the Debian package `dataset-fashion-mnist` (MIT licence, "
        "© Zalando SE): 60,000 train images for training, the 10,000 test images for the metric.",
        f"- **Holes**: one rectangle per image, width/height uniform in {HOLE_MIN}..{HOLE_MAX} px, "
        "uniform position inside the image; hole pixels are 0 in the normalised input.",
        f"- **Training**: {args.epochs} epochs, batch {args.batch}, AdamW (weight decay 1e-4), one-cycle "
        "LR (max 3e-3), random horizontal flip, loss = L1 over hole pixels + 0.1 x L1 over known pixels "
        "(normalised units).",
        f"- **Seed**: {SEED} (training); test masks torch.Generator seed {TEST_MASK_SEED}.",
        f"- **Per-epoch training loss**: " + ", ".join(f"{e}: {l:.4f}" for e, l in history),
        f"- **Run time**: {clock.describe()}.",
        f"- **Date**: {cf.today()}; {cf.environment_line()}.",
        "",
        "## Measured metric (PyTorch, 10,000 test images, one seeded hole each)",
        "",
        "PSNR over the hole pixels only, pixel units [0,1] (output composited into the known "
        "pixels, de-normalised x*0.3530+0.2860, clipped to [0,1]). \"pooled\" = 10 log10(1/MSE) with "
        f"the MSE over all {int(npx):,} hole pixels of the test set; \"per-image\" = mean of the "
        "10,000 per-image hole PSNRs.",
        "",
        "| fill | pooled PSNR | per-image mean PSNR |",
        "| --- | --- | --- |",
        f"| **this model** | **{res['model']:.2f} dB** | {res_img['model']:.2f} dB |",
        f"| mean-fill baseline (mean of the image's known pixels) | {res['image_mean']:.2f} dB | "
        f"{res_img['image_mean']:.2f} dB |",
        f"| dataset-mean fill (0.2860, i.e. the zeroed input itself) | {res['dataset_mean']:.2f} dB | "
        f"{res_img['dataset_mean']:.2f} dB |",
        "",
        "## Graph",
        "",
        f"- `model.onnx`: {size:,} bytes, {cf.param_count(proto):,} parameters, opset 13.",
        f"- Inputs: {ins}; outputs: {outs}.",
        f"- Ops: {', '.join(f'{k} x{v}' for k, v in ops.items())}.",
        "- Oracle: `oracle/test_data_set_0/input_0.pb` = image (test images 0-3, normalised, holes "
        "zeroed) [4,1,28,28], `input_1.pb` = mask [4,1,28,28], `output_0.pb` = PyTorch's raw output "
        f"[4,1,28,28] (not composited); the ONNX interpreter reproduces it to max|err| {err:.1e}.",
        f"- Demo samples written by this script: {', '.join('`weights/samples/' + n + '`' for n in sample_names)}.",
        "",
    ]
    with open(os.path.join(args.out, "PROVENANCE.md"), "w") as f:
        f.write("\n".join(lines))
    cf.log(f"wrote {args.out} ({size:,} bytes model), {clock.describe()}")
    cf.log(f"ops {ops}; inputs {ins}; outputs {outs}")


if __name__ == "__main__":
    main()
