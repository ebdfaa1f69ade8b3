#!/usr/bin/python3
"""Export the models the CPU benchmarks compare against ONNX Runtime.

These are full-size ImageNet-shaped networks (224x224, 1000 classes) and the
classic DCGAN generator (nz=100, 64x64x3), exported the way a user exports
them: ``torch.onnx.export`` with opset 13 and the exporter's defaults
(eval mode, constant folding on, so BatchNorm is folded into Conv by the
exporter). Weights are random with a fixed seed -- latency does not depend
on the values, and nothing is downloaded.

Writes OUTDIR/<name>.onnx for:
    resnet18       input [batch,3,224,224] (symbolic batch: run it at 1 and 4)
    vgg11          input [1,3,224,224]
    mobilenet_v2   input [1,3,224,224]
    dcgan_generator input [1,100,1,1] -> [1,3,64,64]
    squeezenet1_1  input [1,3,224,224]
    densenet121    input [1,3,224,224]
    inception_v3   input [1,3,299,299] (no auxiliary head: it is off in eval mode)
    unet_small     input [1,3,64,64]  (the test suite's small U-Net, random weights)

Usage:  /usr/bin/python3 tools/make_bench_models.py OUTDIR
(default OUTDIR: artifacts/bench-models). Needs python3-torch, python3-torchvision.
"""

import os
import sys

import torch
import torchvision.models as tvm

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from make_test_models import DCGANGenerator, SmallUNet  # noqa: E402  (one definition of each)

MODELS = {
    "resnet18": (lambda: tvm.resnet18(), (1, 3, 224, 224), True),
    "vgg11": (lambda: tvm.vgg11(), (1, 3, 224, 224), False),
    "mobilenet_v2": (lambda: tvm.mobilenet_v2(), (1, 3, 224, 224), False),
    "dcgan_generator": (lambda: DCGANGenerator(), (1, 100, 1, 1), False),
    "squeezenet1_1": (lambda: tvm.squeezenet1_1(), (1, 3, 224, 224), False),
    "densenet121": (lambda: tvm.densenet121(), (1, 3, 224, 224), False),
    "inception_v3": (lambda: tvm.inception_v3(aux_logits=False, init_weights=True), (1, 3, 299, 299), False),
    "unet_small": (lambda: SmallUNet(), (1, 3, 64, 64), False),
}


def main():
    outdir = sys.argv[1] if len(sys.argv) > 1 else "artifacts/bench-models"
    os.makedirs(outdir, exist_ok=True)
    for name, (build, shape, dynamic) in MODELS.items():
        path = os.path.join(outdir, name + ".onnx")
        if os.path.exists(path):
            print("%-16s exists: %s" % (name, path))
            continue
        torch.manual_seed(2024)
        model = build().eval()
        x = torch.randn(*shape)
        kwargs = {"dynamic_axes": {"input": {0: "batch"}, "output": {0: "batch"}}} if dynamic else {}
        torch.onnx.export(model, (x,), path, opset_version=13, input_names=["input"],
                          output_names=["output"], **kwargs)
        print("%-16s %6.1f MB  %s" % (name, os.path.getsize(path) / 1e6, path), flush=True)


if __name__ == "__main__":
    main()
