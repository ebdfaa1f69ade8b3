#!/usr/bin/python3
"""Writes Fashion-MNIST pictures in the class-folder layout ``kv transfer`` reads.

    /usr/bin/python3 tools/make_transfer_folders.py OUTDIR [--train-per-class 200] [--test-per-class 100]

OUTDIR/train/<class>/NNNNN.png gets the first N training images of each class (the training file's
order), OUTDIR/test/<class>/NNNNN.png the first M test images of each class (the t10k file), all
28x28 gray PNGs; the featurizer up-scales them. Data: Debian package ``dataset-fashion-mnist``
(/usr/share/datasets/fashion-mnist, idx .gz files), nothing is downloaded. Needs numpy and PIL.
"""

import argparse
import gzip
import os
import shutil

import numpy as np
from PIL import Image

DATA_DIR = "/usr/share/datasets/fashion-mnist"
# Folder names are the labels; "T-shirt/top" cannot be a folder name.
CLASSES = ["t-shirt-top", "trouser", "pullover", "dress", "coat", "sandal", "shirt", "sneaker", "bag", "ankle-boot"]


def read_idx(name):
    with gzip.open(os.path.join(DATA_DIR, name), "rb") as f:
        data = f.read()
    ndim = data[3]
    dims = [int.from_bytes(data[4 + 4 * i:8 + 4 * i], "big") for i in range(ndim)]
    return np.frombuffer(data, dtype=np.uint8, offset=4 + 4 * ndim).reshape(dims)


def write(images, labels, per_class, out):
    if os.path.exists(out):
        shutil.rmtree(out)
    for c, name in enumerate(CLASSES):
        os.makedirs(os.path.join(out, name))
        idx = np.nonzero(labels == c)[0][:per_class]
        for i in idx:
            Image.fromarray(images[i], mode="L").save(os.path.join(out, name, f"{i:05d}.png"))
    return per_class * len(CLASSES)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("outdir")
    ap.add_argument("--train-per-class", type=int, default=200)
    ap.add_argument("--test-per-class", type=int, default=100)
    a = ap.parse_args()
    n = write(read_idx("train-images-idx3-ubyte.gz"), read_idx("train-labels-idx1-ubyte.gz"), a.train_per_class, os.path.join(a.outdir, "train"))
    m = write(read_idx("t10k-images-idx3-ubyte.gz"), read_idx("t10k-labels-idx1-ubyte.gz"), a.test_per_class, os.path.join(a.outdir, "test"))
    print(f"wrote {n} training and {m} test pictures under {a.outdir}")


if __name__ == "__main__":
    main()
