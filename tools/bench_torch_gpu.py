#!/usr/bin/env python3
"""Time PyTorch + cuDNN on the GPU for the models `kv bench --backend gpu` runs, as the comparison
issue 4 asks for (run it on the device machine, which has PyTorch and CUDA).

FP32 throughout: TF32 is switched off for matmuls and convolutions, since KernelVision's Gpu
kernels compute in FP32. cuDNN picks its fastest algorithms (benchmark mode), then each case is
timed over N runs after warm-up, with a device synchronisation around each run; medians.

Usage: python3 tools/bench_torch_gpu.py [--runs N] MODEL:BATCH ...   e.g. resnet18:1 resnet18:32
Models: resnet18, mobilenet_v2, vgg11 (torchvision, random weights), dcgan_generator.
"""
import os
import statistics
import sys
import time

import torch
import torchvision.models as tvm

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))


def build(name):
    if name == "dcgan_generator":
        from make_test_models import DCGANGenerator
        return DCGANGenerator(), (100, 1, 1)
    return getattr(tvm, name)(), (3, 224, 224)


def main():
    args = sys.argv[1:]
    runs = 50
    if args[:1] == ["--runs"]:
        runs, args = int(args[1]), args[2:]
    torch.backends.cuda.matmul.allow_tf32 = False
    torch.backends.cudnn.allow_tf32 = False
    torch.backends.cudnn.benchmark = True
    dev = torch.device("cuda")
    print("device:", torch.cuda.get_device_name(0), "| torch", torch.__version__, "| cuDNN", torch.backends.cudnn.version())
    for case in args or ["resnet18:1", "resnet18:32"]:
        name, batch = case.split(":")
        torch.manual_seed(2024)
        model, shape = build(name)
        model = model.eval().to(dev)
        x = torch.randn(int(batch), *shape, device=dev)
        times = []
        with torch.inference_mode():
            for _ in range(10):
                model(x)
            torch.cuda.synchronize()
            for _ in range(runs):
                t0 = time.perf_counter()
                model(x)
                torch.cuda.synchronize()
                times.append((time.perf_counter() - t0) * 1e3)
        print("%-16s batch %3s  median %8.3f ms  min %8.3f ms" % (name, batch, statistics.median(times), min(times)), flush=True)


if __name__ == "__main__":
    main()
