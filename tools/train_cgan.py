"""Train a conditional DCGAN on Fashion-MNIST and export its generator to weights/fashion-cgan/.

    /usr/bin/python3 tools/train_cgan.py [--epochs N] [--out DIR]

Needs weights/fashion-classifier/model.onnx (run tools/train_classifier.py first): the quality
measure is that classifier's accuracy on 1000 generated samples per class.

Generator (exported): inputs "z" float32 [N,100] ~ N(0,1) and "label" float32 one-hot [N,10];
concat -> reshape [N,110,1,1] -> ConvTranspose 7x7 (->[N,2g,7,7]) BN ReLU -> ConvTranspose 4x4 s2
(->[N,g,14,14]) BN ReLU -> ConvTranspose 4x4 s2 (->[N,1,28,28]) -> Tanh. Output "output" in
[-1,1]; pixel = (x + 1) / 2 * 255. Exported in eval mode (BatchNorm uses running statistics).

Discriminator (training only): image and the one-hot label broadcast to 10 constant planes,
concatenated -> conv 4x4 s2 LeakyReLU -> conv 4x4 s2 BN LeakyReLU -> conv 7x7 -> logit.
Standard DCGAN recipe: Adam(2e-4, 0.5, 0.999), BCE-with-logits, one-sided label smoothing 0.9.
"""

import os
# The 2 cores are shared: OpenMP threads that spin-wait at barriers burn the time slice the other
# thread needs (measured: 3x more CPU per training step under load). Must be set before torch loads.
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")

import argparse
import sys

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import common_fashion as cf  # noqa: E402

SEED = 20240502
ORACLE_SEED = 1234   # torch.Generator seed for the oracle latents
EVAL_SEED = 4321     # torch.Generator seed for the quality-measure latents
NZ, NC = 100, 10


class Generator(nn.Module):
    def __init__(self, g):
        super().__init__()
        self.g = g
        self.net = nn.Sequential(
            nn.ConvTranspose2d(NZ + NC, 2 * g, 7, 1, 0, bias=False), nn.BatchNorm2d(2 * g), nn.ReLU(True),
            nn.ConvTranspose2d(2 * g, g, 4, 2, 1, bias=False), nn.BatchNorm2d(g), nn.ReLU(True),
            nn.ConvTranspose2d(g, 1, 4, 2, 1), nn.Tanh())
        self.fast = False

    def forward(self, z, label):
        x = torch.cat([z, label], 1).reshape(-1, NZ + NC, 1, 1)
        if not self.fast:          # the exported graph: plain ConvTranspose layers
            return self.net(x)
        n = self.net               # training: the same maths on oneDNN convolutions (see fast_*)
        x = n[2](n[1](fast_convt_1x1_to_7x7(x, n[0])))
        x = n[5](n[4](fast_convt_s2(x, n[3])))
        return n[7](fast_convt_s2(x, n[6]))


# Debian's torch 1.13 runs ConvTranspose2d on CPU through a slow im2col + generic-BLAS path
# (~6 s for one 128x128x7x7 -> 64x14x14 forward on the 2-core machine), while Conv2d goes through
# oneDNN. Training therefore computes each ConvTranspose with identical parameters as a Conv2d:
#  * ConvTranspose k7 s1 p0 on a 1x1 input == 1x1 Conv producing C*49 channels, reshaped to 7x7;
#  * ConvTranspose k4 s2 p1 == 3x3 Conv (pad 1) producing 4*C channels + PixelShuffle(2): output
#    row 2m takes input rows m-1, m with kernel rows 3, 1; row 2m+1 takes rows m, m+1 with kernel
#    rows 2, 0 (same for columns).
# main() checks both paths agree before training; the export uses the plain ConvTranspose path.

def fast_convt_1x1_to_7x7(x, ct):
    cin, cout, kh, kw = ct.weight.shape
    w = ct.weight.permute(1, 2, 3, 0).reshape(cout * kh * kw, cin, 1, 1)
    return F.conv2d(x, w).reshape(-1, cout, kh, kw)


_TAPS = ([3, 1, 4], [4, 2, 0])   # kernel tap used by 3x3 offset j for output phase a (4 = zero)


def fast_convt_s2(x, ct):
    cin, cout = ct.weight.shape[:2]
    wp = F.pad(ct.weight, (0, 1, 0, 1))                 # [in, out, 5, 5], index 4 is zero
    ks = [wp[:, :, _TAPS[a]][:, :, :, _TAPS[b]] for a in range(2) for b in range(2)]
    k = torch.stack(ks, 2).permute(1, 2, 0, 3, 4).reshape(cout * 4, cin, 3, 3)
    y = F.pixel_shuffle(F.conv2d(x, k, padding=1), 2)
    if ct.bias is not None:
        y = y + ct.bias[None, :, None, None]
    return y


class Discriminator(nn.Module):
    def __init__(self, d):
        super().__init__()
        self.net = nn.Sequential(
            nn.Conv2d(1 + NC, d, 4, 2, 1), nn.LeakyReLU(0.2, True),
            nn.Conv2d(d, 2 * d, 4, 2, 1, bias=False), nn.BatchNorm2d(2 * d), nn.LeakyReLU(0.2, True),
            nn.Conv2d(2 * d, 1, 7))

    def forward(self, x, label):
        planes = label[:, :, None, None].expand(-1, -1, 28, 28)
        return self.net(torch.cat([x, planes], 1)).flatten()


def init_weights(m):
    if isinstance(m, (nn.Conv2d, nn.ConvTranspose2d)):
        nn.init.normal_(m.weight, 0.0, 0.02)
        if m.bias is not None:
            nn.init.zeros_(m.bias)
    elif isinstance(m, nn.BatchNorm2d):
        nn.init.normal_(m.weight, 1.0, 0.02)
        nn.init.zeros_(m.bias)


def one_hot(y):
    return F.one_hot(y, NC).float()


def to_bytes(x):
    """generator output [-1,1] -> uint8 pixels, as KernelVision converts it (round to nearest)."""
    return ((x.clamp(-1, 1) + 1) / 2 * 255).round().to(torch.uint8)


def grid_png(x_u8, rows, path):
    """uint8 [N,28,28] -> one PNG, `rows` rows, 2-px gaps."""
    from PIL import Image
    n = x_u8.shape[0]
    cols = (n + rows - 1) // rows
    h = w = x_u8.shape[-1]
    canvas = np.zeros((rows * (h + 2) + 2, cols * (w + 2) + 2), np.uint8)
    for i in range(n):
        r, c = divmod(i, cols)
        canvas[2 + r * (h + 2): 2 + r * (h + 2) + h, 2 + c * (w + 2): 2 + c * (w + 2) + w] = x_u8[i]
    Image.fromarray(canvas, "L").save(path, optimize=True)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--epochs", type=int, default=5)
    ap.add_argument("--batch", type=int, default=128)
    ap.add_argument("--g", type=int, default=48, help="generator width (2g, g channels)")
    ap.add_argument("--d", type=int, default=32, help="discriminator width (d, 2d channels)")
    ap.add_argument("--per-class", type=int, default=1000)
    ap.add_argument("--out", default=os.path.join(cf.WEIGHTS, "fashion-cgan"))
    ap.add_argument("--classifier", default=os.path.join(cf.WEIGHTS, "fashion-classifier", "model.onnx"))
    ap.add_argument("--train-limit", type=int, default=0, help="smoke test: first N train images")
    args = ap.parse_args()

    clock = cf.Clock()
    cf.setup(SEED)
    if not os.path.exists(args.classifier):
        cf.log(f"warning: {args.classifier} does not exist yet; it is needed after training "
               "(run tools/train_classifier.py first)")
    x_u8, y = cf.load_fashion("train")
    if args.train_limit:
        x_u8, y = x_u8[:args.train_limit], y[:args.train_limit]
    x = torch.from_numpy(np.array(x_u8, dtype=np.float32)).unsqueeze(1) / 127.5 - 1.0  # [-1,1]
    y = torch.from_numpy(y)

    G, D = Generator(args.g), Discriminator(args.d)
    G.apply(init_weights)
    D.apply(init_weights)
    # the oneDNN training path must compute exactly what the exported ConvTranspose graph does
    with torch.no_grad():
        G.eval()
        zc, lc = torch.randn(8, NZ), one_hot(torch.arange(8))
        G.fast = False
        ref = G(zc, lc)
        G.fast = True
        fast_err = float((G(zc, lc) - ref).abs().max())
    if fast_err > 1e-5:
        raise RuntimeError(f"fast ConvTranspose path differs by {fast_err}")
    cf.log(f"fast training path matches ConvTranspose to {fast_err:.1e}")
    optG = torch.optim.Adam(G.parameters(), lr=2e-4, betas=(0.5, 0.999))
    optD = torch.optim.Adam(D.parameters(), lr=2e-4, betas=(0.5, 0.999))
    bce = nn.BCEWithLogitsLoss()
    gen = torch.Generator().manual_seed(SEED)
    history = []
    it = 0
    for epoch in range(args.epochs):
        G.train()
        D.train()
        perm = torch.randperm(len(x), generator=gen)
        sd = sg = 0.0
        nb = 0
        for i in range(0, len(x) - args.batch + 1, args.batch):   # full batches only
            idx = perm[i:i + args.batch]
            real, lab = x[idx], one_hot(y[idx])
            b = len(idx)
            z = torch.randn(b, NZ, generator=gen)
            flab = one_hot(torch.randint(0, NC, (b,), generator=gen))
            fake = G(z, flab)
            # D step: real (target 0.9) vs fake (target 0)
            lossD = bce(D(real, lab), torch.full((b,), 0.9)) + bce(D(fake.detach(), flab), torch.zeros(b))
            optD.zero_grad(set_to_none=True)
            lossD.backward()
            optD.step()
            # G step: non-saturating loss
            lossG = bce(D(fake, flab), torch.ones(b))
            optG.zero_grad(set_to_none=True)
            lossG.backward()
            optG.step()
            sd += float(lossD)
            sg += float(lossG)
            nb += 1
            it += 1
        history.append((epoch + 1, sd / nb, sg / nb))
        cf.log(f"epoch {epoch + 1}/{args.epochs} lossD {sd / nb:.3f} lossG {sg / nb:.3f} "
               f"({it} iterations, {clock.elapsed():.0f} s wall, {clock.cpu_elapsed():.0f} s CPU)")

    G.eval()
    G.fast = False   # from here on: the plain ConvTranspose graph that is exported
    os.makedirs(args.out, exist_ok=True)

    # Export + oracle: 10 fixed latents (torch.Generator seed ORACLE_SEED), labels 0..9.
    ogen = torch.Generator().manual_seed(ORACLE_SEED)
    zo = torch.randn(NC, NZ, generator=ogen)
    lo = one_hot(torch.arange(NC))
    with torch.no_grad():
        yo = G(zo, lo)
    onnx_path = os.path.join(args.out, "model.onnx")
    proto = cf.export_onnx(G, [zo, lo], onnx_path, ["z", "label"], ["output"])
    err = cf.check_onnx_matches(proto, {"z": zo, "label": lo}, [yo])
    cf.write_oracle(args.out, [("z", zo.numpy()), ("label", lo.numpy())], [("output", yo.numpy())])

    # Preview: 10 classes (rows) x 10 samples, seed EVAL_SEED + 1.
    pgen = torch.Generator().manual_seed(EVAL_SEED + 1)
    with torch.no_grad():
        zp = torch.randn(100, NZ, generator=pgen)
        lp = one_hot(torch.arange(NC).repeat_interleave(10))
        grid_png(to_bytes(G(zp, lp))[:, 0].numpy(), NC, os.path.join(args.out, "samples.png"))

    if not os.path.exists(args.classifier):
        sys.exit(f"{args.classifier} missing: run tools/train_classifier.py first")
    # Quality: shipped classifier (from its ONNX file) on per_class samples of every class,
    # generated in eval mode, converted to bytes and normalised exactly as `kv classify` would.
    clf = cf.onnx.load(args.classifier)
    egen = torch.Generator().manual_seed(EVAL_SEED)
    per_class = []
    with torch.no_grad():
        for c in range(NC):
            z = torch.randn(args.per_class, NZ, generator=egen)
            lab = one_hot(torch.full((args.per_class,), c, dtype=torch.long))
            img = to_bytes(G(z, lab))[:, 0]
            pred = cf.run_onnx(clf, {"input": cf.normalize_u8(img.numpy())})[0].argmax(1)
            per_class.append(int((pred == c).sum()))
    total = sum(per_class)
    mean_acc = round(100.0 * total / (NC * args.per_class), 2)
    cf.log("classifier accuracy on generated samples per class: " +
           ", ".join(f"{cf.LABELS[c]} {100.0 * n / args.per_class:.1f}%" for c, n in enumerate(per_class)) +
           f"; overall {mean_acc}%")

    ins, outs = cf.io_shapes(proto)
    ops = cf.op_types(proto)
    meta = {
        "format": 1,
        "task": "generation",
        "name": "fashion-cgan",
        "description": "Conditional DCGAN generator trained on Fashion-MNIST: z ~ N(0,1) [N,100] "
                       "plus one-hot class [N,10] -> 28x28 gray image in [-1,1]",
        "labels": cf.LABELS,
        "generation": {"latent": "z", "label": "label", "latent_size": NZ, "num_classes": NC,
                       "output": "output", "output_range": [-1.0, 1.0]},
        "output_size": {"width": 28, "height": 28, "color": "gray"},
        "quality_classifier_accuracy": mean_acc,
        "quality_classifier_accuracy_per_class": {cf.LABELS[c]: round(100.0 * n / args.per_class, 2)
                                                  for c, n in enumerate(per_class)},
    }
    cf.write_json(os.path.join(args.out, "model.json"), meta)

    size = cf.file_size(onnx_path)
    table = ["| class | correct / " + str(args.per_class) + " | accuracy |", "| --- | --- | --- |"]
    for c, n in enumerate(per_class):
        table.append(f"| {c} {cf.LABELS[c]} | {n} | {100.0 * n / args.per_class:.1f} % |")
    table.append(f"| **all** | {total} / {NC * args.per_class} | **{mean_acc:.2f} %** |")
    lines = [
        "# fashion-cgan — provenance",
        "",
        "- **Script**: `tools/train_cgan.py` (one command: `/usr/bin/python3 tools/train_cgan.py`; "
        "needs `weights/fashion-classifier/model.onnx` for the quality measure).",
        "- **Data**: Fashion-MNIST 60,000 train images and labels from the Debian package "
        "`dataset-fashion-mnist` (MIT licence, © Zalando SE), scaled to [-1,1].",
        f"- **Training**: {args.epochs} epochs ({it} iterations) of batch {args.batch}; generator width "
        f"g={args.g} (channels {2 * args.g}/{args.g}), discriminator width d={args.d} (channels "
        f"{args.d}/{2 * args.d}); Adam lr 2e-4 betas (0.5, 0.999) for both; BCE-with-logits, real "
        "target 0.9, non-saturating generator loss; fake labels drawn uniformly.",
        f"- **Seed**: {SEED} (training); oracle latents torch.Generator seed {ORACLE_SEED}; quality "
        f"latents seed {EVAL_SEED}; preview seed {EVAL_SEED + 1}.",
        f"- **Per-epoch losses (D, G)**: " + ", ".join(f"{e}: {d:.3f}/{g:.3f}" for e, d, g in history),
        f"- **Run time**: {clock.describe()}.",
        f"- **Date**: {cf.today()}; {cf.environment_line()}.",
        "",
        "## Quality measure",
        "",
        f"{args.per_class} samples per class (z ~ N(0,1), torch.Generator seed {EVAL_SEED}, classes in "
        "order 0..9), eval-mode generator, output converted to bytes "
        "(round((x+1)/2*255)) and classified by the shipped `fashion-classifier` (run from its "
        "model.onnx, byte/255 then (x-0.2860)/0.3530). Accuracy = classifier agrees with the "
        "requested class:",
        "",
        *table,
        "",
        "(For reference the classifier's accuracy on real test images is in "
        "`../fashion-classifier/PROVENANCE.md`.) `samples.png`: one row per class, 10 samples each.",
        "",
        "## Graph",
        "",
        f"- `model.onnx`: {size:,} bytes, {cf.param_count(proto):,} parameters, opset 13, eval mode.",
        f"- Inputs: {ins}; outputs: {outs}.",
        f"- Ops: {', '.join(f'{k} x{v}' for k, v in ops.items())}.",
        f"- Oracle: `oracle/test_data_set_0/input_0.pb` = z [10,100] (seed {ORACLE_SEED}), "
        "`input_1.pb` = label one-hot [10,10] (classes 0..9), `output_0.pb` = PyTorch's output "
        f"[10,1,28,28]; the ONNX interpreter reproduces it to max|err| {err:.1e}.",
        "",
    ]
    with open(os.path.join(args.out, "PROVENANCE.md"), "w") as f:
        f.write("\n".join(lines))
    cf.log(f"wrote {args.out} ({size:,} bytes model), {clock.describe()}")
    cf.log(f"ops {ops}; inputs {ins}; outputs {outs}")


if __name__ == "__main__":
    main()
