#!/usr/bin/python3
"""PyTorch oracle for ``kv transfer``: trains the same head on the same features and reports its accuracy.

    kv transfer resnet18-imagenet DATA -o MODEL --test TEST --export-features FEAT
    /usr/bin/python3 tools/transfer_oracle.py FEAT [--runs N] [--json]

FEAT holds what kv wrote: {train,val,test}_{features,labels}.npy and config.json (hidden units,
batch size, learning rate, weight decay, patience, max epochs, Adam betas/epsilon, seed). The head
is built and trained independently of KernelVision's code, with torch.nn and torch.optim:

* Linear(D, K) (softmax regression), or Linear(D, H) -> ReLU -> Linear(H, K) when hidden > 0;
  Glorot-uniform weights, zero biases (Keras' Dense defaults, as kv uses);
* torch.optim.Adam on mini-batches of ``batch_size`` with a fresh shuffle per epoch; weight decay
  (L2, added to the gradient) on the weight matrices only, biases undecayed, as kv does;
* cross-entropy loss; early stopping on the validation loss with ``patience``, keeping the best
  epoch's weights (on the training loss when there is no validation set).

Its random streams (init, shuffles) are torch's, not kv's, so the two runs agree in method, not bit
for bit; the accuracies should agree within about a point. Prints validation and test accuracy
(and, with --json, one JSON line). Needs Debian's torch (/usr/bin/python3).
"""

import argparse
import json
import os
import time

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F


def load(feat_dir, name):
    x, y = os.path.join(feat_dir, f"{name}_features.npy"), os.path.join(feat_dir, f"{name}_labels.npy")
    if not os.path.exists(x):
        return None
    return torch.from_numpy(np.load(x).astype(np.float32)), torch.from_numpy(np.load(y).astype(np.int64))


def build(dim, hidden, classes):
    layers = [nn.Linear(dim, hidden), nn.ReLU(), nn.Linear(hidden, classes)] if hidden > 0 else [nn.Linear(dim, classes)]
    model = nn.Sequential(*layers)
    for m in model:
        if isinstance(m, nn.Linear):
            nn.init.xavier_uniform_(m.weight)
            nn.init.zeros_(m.bias)
    return model


def evaluate(model, data):
    if data is None or len(data[1]) == 0:
        return float("nan"), float("nan")
    with torch.no_grad():
        logits = model(data[0])
        return F.cross_entropy(logits, data[1]).item(), (logits.argmax(1) == data[1]).float().mean().item()


def train_once(cfg, train, val, test, seed):
    torch.manual_seed(seed)
    classes = len(cfg["classes"])
    model = build(train[0].shape[1], cfg["hidden"], classes)
    weights = [p for n, p in model.named_parameters() if n.endswith("weight")]
    biases = [p for n, p in model.named_parameters() if n.endswith("bias")]
    opt = torch.optim.Adam([{"params": weights, "weight_decay": cfg["weight_decay"]}, {"params": biases, "weight_decay": 0.0}],
                           lr=cfg["learning_rate"], betas=(cfg["beta1"], cfg["beta2"]), eps=cfg["epsilon"])
    has_val = val is not None and len(val[1]) > 0
    best, best_loss, best_epoch, n = None, float("inf"), 0, len(train[1])
    t0 = time.time()
    for epoch in range(1, cfg["max_epochs"] + 1):
        model.train()
        perm = torch.randperm(n)
        for s in range(0, n, cfg["batch_size"]):
            idx = perm[s:s + cfg["batch_size"]]
            opt.zero_grad()
            F.cross_entropy(model(train[0][idx]), train[1][idx]).backward()
            opt.step()
        model.eval()
        monitored = evaluate(model, val)[0] if has_val else evaluate(model, train)[0]
        if monitored < best_loss:
            best_loss, best_epoch = monitored, epoch
            best = {k: v.clone() for k, v in model.state_dict().items()}
        elif epoch - best_epoch >= cfg["patience"]:
            break
    model.load_state_dict(best)
    return {
        "seed": seed, "epochs_run": epoch, "best_epoch": best_epoch, "seconds": round(time.time() - t0, 2),
        "train_accuracy": round(100 * evaluate(model, train)[1], 2),
        "validation_accuracy": round(100 * evaluate(model, val)[1], 2) if has_val else None,
        "test_accuracy": round(100 * evaluate(model, test)[1], 2) if test is not None else None,
        "test_samples": int(len(test[1])) if test is not None else 0,
    }


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("features", help="folder written by kv transfer --export-features")
    ap.add_argument("--seed", type=int, default=None, help="torch seed of the first run (default: config.json's)")
    ap.add_argument("--runs", type=int, default=1, help="train this many times (seeds seed, seed+1, ...) and report the mean")
    ap.add_argument("--json", action="store_true", help="also print one JSON line per run")
    a = ap.parse_args()
    cfg = json.load(open(os.path.join(a.features, "config.json")))
    torch.set_num_threads(2)
    train, val, test = load(a.features, "train"), load(a.features, "val"), load(a.features, "test")
    first = cfg["seed"] if a.seed is None else a.seed
    results = []
    for seed in range(first, first + a.runs):
        r = train_once(cfg, train, val, test, seed)
        results.append(r)
        print(f"oracle (PyTorch {torch.__version__}, seed {seed}): {r['epochs_run']} epochs, kept {r['best_epoch']}; "
              f"train {r['train_accuracy']}%, validation {r['validation_accuracy']}%, "
              f"test {r['test_accuracy']}% on {r['test_samples']} pictures")
        if a.json:
            print(json.dumps(r))
    if a.runs > 1:
        for key in ("validation_accuracy", "test_accuracy"):
            v = [r[key] for r in results if r[key] is not None]
            if v:
                print(f"{key}: mean {np.mean(v):.2f}, min {min(v)}, max {max(v)} over {len(v)} runs")


if __name__ == "__main__":
    main()
