"""Train the Fashion-MNIST CNN classifier and export weights/fashion-classifier/.

    /usr/bin/python3 tools/train_classifier.py [--epochs N] [--out DIR]

Writes model.onnx (input "input" [N,1,28,28] normalised, output "output" [N,10] logits),
model.json, PROVENANCE.md and oracle/test_data_set_0/{input_0,output_0}.pb. The test accuracy is
measured in PyTorch on all 10,000 test images with the exported (eval-mode) network on exactly the
preprocessing KernelVision does: byte / 255, then (x - 0.2860) / 0.3530.

Network: conv3x3(32)-BN-ReLU-maxpool, conv3x3(64)-BN-ReLU-maxpool, conv3x3(128)-BN-ReLU,
dense 6272->128-ReLU, dense 128->10. During training the two dense layers are run as a 7x7 and a
1x1 convolution (same maths; Debian's torch has a slow generic BLAS for Linear but oneDNN for
Conv) and dropout 0.25 sits before the first; the export has plain Linear layers (Gemm).
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

SEED = 20240501


def cbr(cin, cout):
    return [nn.Conv2d(cin, cout, 3, 1, 1, bias=False), nn.BatchNorm2d(cout), nn.ReLU(inplace=True)]


class TrainNet(nn.Module):
    def __init__(self):
        super().__init__()
        self.features = nn.Sequential(*cbr(1, 32), nn.MaxPool2d(2), *cbr(32, 64), nn.MaxPool2d(2),
                                      *cbr(64, 128))
        self.drop = nn.Dropout(0.25)
        self.fc1 = nn.Conv2d(128, 128, 7)   # = Linear(128*7*7, 128) on the flattened map
        self.fc2 = nn.Conv2d(128, 10, 1)    # = Linear(128, 10)

    def forward(self, x):
        x = self.features(x)
        x = F.relu(self.fc1(self.drop(x)))
        return self.fc2(x).flatten(1)


class ExportNet(nn.Module):
    """TrainNet with the dense layers as nn.Linear (exported as Flatten + Gemm)."""

    def __init__(self, t):
        super().__init__()
        self.features = t.features
        self.flatten = nn.Flatten()
        self.fc1 = nn.Linear(128 * 7 * 7, 128)
        self.relu = nn.ReLU()
        self.fc2 = nn.Linear(128, 10)
        with torch.no_grad():
            self.fc1.weight.copy_(t.fc1.weight.reshape(128, -1))  # [out, C*7*7], C-major like Flatten
            self.fc1.bias.copy_(t.fc1.bias)
            self.fc2.weight.copy_(t.fc2.weight.reshape(10, 128))
            self.fc2.bias.copy_(t.fc2.bias)

    def forward(self, x):
        return self.fc2(self.relu(self.fc1(self.flatten(self.features(x)))))


def augment(x, gen):
    """Random horizontal flip and a random shift of up to 2 pixels (zero = background padding)."""
    n = x.shape[0]
    flip = torch.rand(n, generator=gen) < 0.5
    x = torch.where(flip[:, None, None, None], x.flip(3), x)
    bg = (0.0 - cf.MEAN) / cf.STD
    xp = F.pad(x, (2, 2, 2, 2), value=bg)
    dy = torch.randint(0, 5, (n,), generator=gen)
    dx = torch.randint(0, 5, (n,), generator=gen)
    ar = torch.arange(28)
    rows = (dy[:, None] + ar)[:, :, None]          # [n,28,1]
    cols = (dx[:, None] + ar)[:, None, :]          # [n,1,28]
    return xp[torch.arange(n)[:, None, None], 0, rows, cols].unsqueeze(1)


def evaluate(model, x, y, bs=1000):
    model.eval()
    correct = 0
    with torch.no_grad():
        for i in range(0, len(x), bs):
            correct += int((model(x[i:i + bs]).argmax(1) == y[i:i + bs]).sum())
    return correct


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--epochs", type=int, default=8)
    ap.add_argument("--batch", type=int, default=128)
    ap.add_argument("--out", default=os.path.join(cf.WEIGHTS, "fashion-classifier"))
    ap.add_argument("--train-limit", type=int, default=0, help="smoke test: first N train images")
    args = ap.parse_args()

    clock = cf.Clock()
    cf.setup(SEED)
    xtr_u8, ytr = cf.load_fashion("train")
    xte_u8, yte = cf.load_fashion("test")
    if args.train_limit:
        xtr_u8, ytr = xtr_u8[:args.train_limit], ytr[:args.train_limit]
    xtr, xte = cf.normalize_u8(xtr_u8), cf.normalize_u8(xte_u8)
    ytr, yte = torch.from_numpy(ytr), torch.from_numpy(yte)

    model = TrainNet()
    opt = torch.optim.AdamW(model.parameters(), lr=2e-3, weight_decay=5e-4)
    steps_per_epoch = math.ceil(len(xtr) / args.batch)
    sched = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=4e-3, epochs=args.epochs,
                                                steps_per_epoch=steps_per_epoch, pct_start=0.25)
    gen = torch.Generator().manual_seed(SEED)
    history = []
    for epoch in range(args.epochs):
        model.train()
        perm = torch.randperm(len(xtr), generator=gen)
        tot, n = 0.0, 0
        for i in range(0, len(xtr), args.batch):
            idx = perm[i:i + args.batch]
            xb = augment(xtr[idx], gen)
            loss = F.cross_entropy(model(xb), ytr[idx], label_smoothing=0.05)
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
            sched.step()
            tot += float(loss) * len(idx)
            n += len(idx)
        acc = evaluate(model, xte, yte) / len(xte)
        history.append((epoch + 1, tot / n, acc))
        cf.log(f"epoch {epoch + 1}/{args.epochs} loss {tot / n:.4f} test acc {acc * 100:.2f}% "
               f"({clock.elapsed():.0f} s wall, {clock.cpu_elapsed():.0f} s CPU)")

    # Export, then measure on the exported network exactly as KernelVision will run it.
    net = ExportNet(model).eval()
    correct = evaluate(net, xte, yte)
    acc_pct = round(100.0 * correct / len(xte), 2)
    cf.log(f"final PyTorch test accuracy {acc_pct}% ({correct}/{len(xte)})")

    os.makedirs(args.out, exist_ok=True)
    onnx_path = os.path.join(args.out, "model.onnx")
    proto = cf.export_onnx(net, [xte[:1]], onnx_path, ["input"], ["output"])

    # Oracle: the first 8 test images (one byte -> normalised float each) and PyTorch's logits.
    xo = xte[:8].clone()
    with torch.no_grad():
        yo = net(xo)
    err = cf.check_onnx_matches(proto, {"input": xo}, [yo])
    # The whole test set through the ONNX interpreter too: same predictions as PyTorch?
    onnx_correct = int((cf.run_onnx(proto, {"input": xte})[0].argmax(1) == yte).sum())
    cf.log(f"ONNX re-run: max|err| {err:.2e} on the oracle, {onnx_correct} correct on the test set")
    if onnx_correct != correct:
        raise RuntimeError("ONNX interpreter and PyTorch disagree on the test set")
    cf.write_oracle(args.out, [("input", xo.numpy())], [("output", yo.numpy())])

    ins, outs = cf.io_shapes(proto)
    ops = cf.op_types(proto)
    meta = {
        "format": 1,
        "task": "classification",
        "name": "fashion-classifier",
        "description": "CNN (conv/BN/ReLU/maxpool x3, dense 6272-128-10) trained on Fashion-MNIST; "
                       "output = logits (apply softmax for probabilities)",
        "labels": cf.LABELS,
        "input": {"name": "input", "width": 28, "height": 28, "color": "gray", "resize": "stretch",
                  "scale": 255.0, "mean": [cf.MEAN], "std": [cf.STD]},
        "output": "output",
        "pytorch_test_accuracy": acc_pct,
        "pytorch_test_correct": correct,
        "pytorch_test_total": len(xte),
    }
    cf.write_json(os.path.join(args.out, "model.json"), meta)

    size = cf.file_size(onnx_path)
    lines = [
        "# fashion-classifier — provenance",
        "",
        f"- **Script**: `tools/train_classifier.py` (one command: `/usr/bin/python3 tools/train_classifier.py`)",
        "- **Data**: Fashion-MNIST from the Debian package `dataset-fashion-mnist` "
        "(`/usr/share/datasets/fashion-mnist/*.gz`, MIT licence, © Zalando SE): 60,000 train images "
        "for training, the 10,000 `t10k` test images for the metric only.",
        f"- **Training**: {args.epochs} epochs, batch {args.batch}, AdamW (weight decay 5e-4) with a "
        "one-cycle LR schedule (max 4e-3), cross-entropy with label smoothing 0.05, dropout 0.25 "
        "before the first dense layer, augmentation = random horizontal flip + random shift of up "
        "to 2 px.",
        f"- **Seed**: {SEED} (torch, numpy, random, and the data-order/augmentation generator).",
        f"- **Measured metric** (PyTorch, exported eval-mode network, all 10,000 test images, "
        f"preprocessing byte/255 then (x-0.2860)/0.3530): **{acc_pct:.2f} % test accuracy "
        f"({correct} / {len(xte)} correct)**. The same count comes out of the ONNX file itself "
        f"(re-run with the independent interpreter in `tools/common_fashion.py`).",
        f"- **Per-epoch test accuracy**: " + ", ".join(f"{e}: {a * 100:.2f} %" for e, _, a in history),
        f"- **Run time**: {clock.describe()}.",
        f"- **Date**: {cf.today()}; {cf.environment_line()}.",
        "",
        "## Graph",
        "",
        f"- `model.onnx`: {size:,} bytes, {cf.param_count(proto):,} parameters, opset 13.",
        f"- Inputs: {ins}; outputs: {outs} (logits).",
        f"- Ops: {', '.join(f'{k} x{v}' for k, v in ops.items())}.",
        f"- Oracle: `oracle/test_data_set_0/input_0.pb` = the first 8 test images normalised "
        f"([8,1,28,28]), `output_0.pb` = PyTorch's logits [8,10]; the ONNX interpreter "
        f"reproduces them to max|err| {err:.1e}.",
        "",
    ]
    with open(os.path.join(args.out, "PROVENANCE.md"), "w") as f:
        f.write("\n".join(lines))
    cf.log(f"wrote {args.out} ({size:,} bytes model), {clock.describe()}")
    cf.log(f"ops {ops}; inputs {ins}; outputs {outs}")


if __name__ == "__main__":
    main()
