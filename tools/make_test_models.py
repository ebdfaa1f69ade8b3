#!/usr/bin/python3
"""Export deterministic, randomly-initialised test CNN/GAN models to ONNX.

Writes the ONNX backend-test layout read by KernelVision's conformance runner:

    OUTDIR/<name>/model.onnx
    OUTDIR/<name>/test_data_set_0/input_0.pb    (TensorProto, name = graph input)
    OUTDIR/<name>/test_data_set_0/output_0.pb   (TensorProto, name = graph output;
                                                 PyTorch's eval-mode output)

plus OUTDIR/manifest.json summarising every model.

Nothing is downloaded: all weights are random with fixed seeds. Every
BatchNorm layer gets non-trivial statistics (see ``randomize_batchnorm``) so
that a runtime which ignores running_mean/running_var/epsilon fails.

Export settings: opset 13, do_constant_folding=False (so PyTorch's shape
arithmetic -- Shape/Gather/Unsqueeze/Concat chains -- stays in the graph and
the runtime must fold it itself), eval mode, input named 'input', output named
'output'. Models marked 'dynamic' are exported with a symbolic batch dimension
('batch') on input and output.

Usage:
    /usr/bin/python3 tools/make_test_models.py OUTDIR [--only a,b] [--exclude c]
                                              [--list] [--no-external-data]

Must run under Debian's /usr/bin/python3 (python3-torch 1.13,
python3-torchvision 0.14, python3-onnx 1.12, numpy).
"""

import argparse
import io
import json
import os
import shutil
import sys
import time
import warnings
from collections import OrderedDict

import numpy as np

try:
    import torch
    import torch.nn as nn
    import torch.nn.functional as F
    import torchvision
    import onnx
    from onnx import numpy_helper
except ImportError as e:  # pragma: no cover
    sys.exit(
        "make_test_models.py: %s\nRun it with /usr/bin/python3 (needs apt packages "
        "python3-torch python3-torchvision python3-onnx)." % e
    )

# Benign exporter noise (shape inference of prim::Constant).
warnings.filterwarnings("ignore", message=".*shape inference of prim::Constant.*")

OPSET = 13
SEED = 1234
INPUT_NAME = "input"
OUTPUT_NAME = "output"


# --------------------------------------------------------------------------
# Small custom models
# --------------------------------------------------------------------------


class DCGANGenerator(nn.Module):
    """Classic DCGAN generator (Radford et al.): nz=100, ngf=64, 64x64x3 output."""

    def __init__(self, nz=100, ngf=64, nc=3):
        super().__init__()
        self.main = nn.Sequential(
            nn.ConvTranspose2d(nz, ngf * 8, 4, 1, 0, bias=False),
            nn.BatchNorm2d(ngf * 8),
            nn.ReLU(True),
            nn.ConvTranspose2d(ngf * 8, ngf * 4, 4, 2, 1, bias=False),
            nn.BatchNorm2d(ngf * 4),
            nn.ReLU(True),
            nn.ConvTranspose2d(ngf * 4, ngf * 2, 4, 2, 1, bias=False),
            nn.BatchNorm2d(ngf * 2),
            nn.ReLU(True),
            nn.ConvTranspose2d(ngf * 2, ngf, 4, 2, 1, bias=False),
            nn.BatchNorm2d(ngf),
            nn.ReLU(True),
            nn.ConvTranspose2d(ngf, nc, 4, 2, 1, bias=False),
            nn.Tanh(),
        )

    def forward(self, z):
        return self.main(z)


class DCGANDiscriminator(nn.Module):
    """Classic DCGAN discriminator: 64x64x3 -> probability, shape [N]."""

    def __init__(self, ndf=64, nc=3):
        super().__init__()
        self.main = nn.Sequential(
            nn.Conv2d(nc, ndf, 4, 2, 1, bias=False),
            nn.LeakyReLU(0.2, inplace=True),
            nn.Conv2d(ndf, ndf * 2, 4, 2, 1, bias=False),
            nn.BatchNorm2d(ndf * 2),
            nn.LeakyReLU(0.2, inplace=True),
            nn.Conv2d(ndf * 2, ndf * 4, 4, 2, 1, bias=False),
            nn.BatchNorm2d(ndf * 4),
            nn.LeakyReLU(0.2, inplace=True),
            nn.Conv2d(ndf * 4, ndf * 8, 4, 2, 1, bias=False),
            nn.BatchNorm2d(ndf * 8),
            nn.LeakyReLU(0.2, inplace=True),
            nn.Conv2d(ndf * 8, 1, 4, 1, 0, bias=False),
            nn.Sigmoid(),
        )

    def forward(self, x):
        # The reference implementation's view(-1, 1).squeeze(1): Reshape + Squeeze.
        return self.main(x).view(-1, 1).squeeze(1)


def conv_bn_relu(cin, cout):
    return nn.Sequential(
        nn.Conv2d(cin, cout, 3, padding=1, bias=False),
        nn.BatchNorm2d(cout),
        nn.ReLU(inplace=True),
    )


class DoubleConv(nn.Sequential):
    def __init__(self, cin, cout):
        super().__init__(conv_bn_relu(cin, cout), conv_bn_relu(cout, cout))


class SmallUNet(nn.Module):
    """3-level U-Net with torch.cat skips.

    Up path 1 uses ConvTranspose2d(k=2, s=2); up path 2 uses
    F.interpolate(scale_factor=2, mode='nearest') + conv; up path 3 uses
    F.interpolate(size=skip.shape[2:], mode='nearest') which makes the Resize
    'sizes' input a Shape->Slice->Concat chain the runtime must fold.
    """

    def __init__(self, cin=3, cout=2, base=16):
        super().__init__()
        b = base
        self.enc1 = DoubleConv(cin, b)
        self.enc2 = DoubleConv(b, 2 * b)
        self.enc3 = DoubleConv(2 * b, 4 * b)
        self.bott = DoubleConv(4 * b, 8 * b)
        self.pool = nn.MaxPool2d(2)
        self.up3 = nn.ConvTranspose2d(8 * b, 4 * b, 2, stride=2)
        self.dec3 = DoubleConv(8 * b, 4 * b)
        self.up2_conv = nn.Conv2d(4 * b, 2 * b, 1)
        self.dec2 = DoubleConv(4 * b, 2 * b)
        self.up1_conv = nn.Conv2d(2 * b, b, 1)
        self.dec1 = DoubleConv(2 * b, b)
        self.head = nn.Conv2d(b, cout, 1)

    def forward(self, x):
        e1 = self.enc1(x)
        e2 = self.enc2(self.pool(e1))
        e3 = self.enc3(self.pool(e2))
        bt = self.bott(self.pool(e3))
        d3 = self.dec3(torch.cat([self.up3(bt), e3], dim=1))
        u2 = self.up2_conv(F.interpolate(d3, scale_factor=2.0, mode="nearest"))
        d2 = self.dec2(torch.cat([u2, e2], dim=1))
        u1 = self.up1_conv(F.interpolate(d2, size=e1.shape[2:], mode="nearest"))
        d1 = self.dec1(torch.cat([u1, e1], dim=1))
        return self.head(d1)


class BasicBlock(nn.Module):
    def __init__(self, cin, cout, stride):
        super().__init__()
        self.conv1 = nn.Conv2d(cin, cout, 3, stride, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(cout)
        self.conv2 = nn.Conv2d(cout, cout, 3, 1, 1, bias=False)
        self.bn2 = nn.BatchNorm2d(cout)
        self.short = None
        if stride != 1 or cin != cout:
            self.short = nn.Sequential(
                nn.Conv2d(cin, cout, 1, stride, bias=False), nn.BatchNorm2d(cout)
            )

    def forward(self, x):
        y = F.relu(self.bn1(self.conv1(x)))
        y = self.bn2(self.conv2(y))
        s = x if self.short is None else self.short(x)
        return F.relu(y + s)


class ResBlockNet(nn.Module):
    """Tiny CIFAR-style ResNet; flattens with x.view(x.size(0), -1) so the
    (symbolic) batch size flows through Shape/Gather/Unsqueeze/Concat."""

    def __init__(self, num_classes=10):
        super().__init__()
        self.stem = nn.Sequential(
            nn.Conv2d(3, 16, 3, 1, 1, bias=False), nn.BatchNorm2d(16), nn.ReLU(inplace=True)
        )
        self.layer1 = BasicBlock(16, 16, 1)
        self.layer2 = BasicBlock(16, 32, 2)
        self.layer3 = BasicBlock(32, 64, 2)
        self.pool = nn.AvgPool2d(8)
        self.fc = nn.Linear(64, num_classes)

    def forward(self, x):
        x = self.layer3(self.layer2(self.layer1(self.stem(x))))
        x = self.pool(x)
        x = x.view(x.size(0), -1)
        return self.fc(x)


# --------------------------------------------------------------------------
# Model table
# --------------------------------------------------------------------------

tvm = torchvision.models

# name -> dict(build, shape, dynamic, note)
# Input sizes are the smallest each architecture accepts sensibly *and* that
# torch.onnx (opset 13) can export: AdaptiveAvgPool2d with an output size other
# than 1 only exports when the input size is a multiple of the output size, so
# alexnet (pool -> 6x6) and vgg11 (pool -> 7x7) need 224x224 input.
MODELS = OrderedDict(
    [
        ("resnet18", dict(build=lambda: tvm.resnet18(num_classes=10), shape=(1, 3, 64, 64))),
        ("vgg11", dict(build=lambda: tvm.vgg11(num_classes=10), shape=(1, 3, 224, 224),
                       note="224 is the minimum: AdaptiveAvgPool2d((7,7)) only exports when "
                            "the feature map is a multiple of 7")),
        ("mobilenet_v2", dict(build=lambda: tvm.mobilenet_v2(num_classes=10), shape=(1, 3, 64, 64))),
        ("squeezenet1_1", dict(build=lambda: tvm.squeezenet1_1(num_classes=10), shape=(1, 3, 64, 64))),
        ("densenet121", dict(build=lambda: tvm.densenet121(num_classes=10), shape=(1, 3, 64, 64))),
        ("googlenet", dict(build=lambda: tvm.googlenet(num_classes=10, aux_logits=False, init_weights=True),
                           shape=(1, 3, 64, 64))),
        ("inception_v3", dict(build=lambda: tvm.inception_v3(num_classes=10, aux_logits=False, init_weights=True),
                              shape=(1, 3, 75, 75))),
        ("shufflenet_v2_x1_0", dict(build=lambda: tvm.shufflenet_v2_x1_0(num_classes=10),
                                    shape=(1, 3, 64, 64), dynamic=True)),
        ("alexnet", dict(build=lambda: tvm.alexnet(num_classes=10), shape=(1, 3, 224, 224),
                         note="224 is the minimum: AdaptiveAvgPool2d((6,6)) only exports when "
                              "the feature map is a multiple of 6")),
        ("dcgan_generator", dict(build=DCGANGenerator, shape=(1, 100, 1, 1))),
        ("dcgan_discriminator", dict(build=DCGANDiscriminator, shape=(1, 3, 64, 64))),
        ("unet_small", dict(build=SmallUNet, shape=(1, 3, 64, 64))),
        ("resblock_net", dict(build=ResBlockNet, shape=(2, 3, 32, 32), dynamic=True)),
        # 32x32 variants: small enough for the gpu-sim model tests (ILGPU's CPU simulator), which
        # compare them with Reference and PyTorch (tests/KernelVision.Gpu.Tests/ExportedModelGpuSimTests.cs).
        ("resnet18_32", dict(build=lambda: tvm.resnet18(num_classes=10), shape=(1, 3, 32, 32))),
        ("mobilenet_v2_32", dict(build=lambda: tvm.mobilenet_v2(num_classes=10), shape=(1, 3, 32, 32))),
        ("unet_small_32", dict(build=SmallUNet, shape=(1, 3, 32, 32))),
    ]
)

EXTERNAL_DATA_MODEL = "resblock_net"


# --------------------------------------------------------------------------
# Helpers
# --------------------------------------------------------------------------


def randomize_batchnorm(model, shape, gen):
    """Give every BatchNorm non-trivial gamma/beta/running_mean/running_var.

    Random running statistics alone would push activations of deep random
    networks (densenet121, inception) to overflow or to zero, so first the
    running statistics are calibrated on random data (train-mode forward
    passes with cumulative averaging) and then perturbed randomly; gamma and
    beta are random. The result is far from the default 0/1 statistics (a
    runtime that ignores them fails) yet keeps activations O(1).
    """
    bns = [m for m in model.modules() if isinstance(m, nn.modules.batchnorm._BatchNorm)]
    if not bns:
        return 0
    for m in bns:
        m.reset_running_stats()
        m.momentum = None  # cumulative moving average
        with torch.no_grad():
            m.weight.copy_(torch.empty_like(m.weight).uniform_(0.5, 1.5, generator=gen))
            m.bias.copy_(torch.randn(m.bias.shape, generator=gen) * 0.2)
    # One big batch: late layers of 64x64 nets see 1x1..2x2 maps, so a small
    # batch gives noisy statistics and exploding eval-mode activations.
    calib_shape = (16,) + tuple(shape[1:])
    model.train()
    with torch.no_grad():
        model(torch.randn(calib_shape, generator=gen))
    model.eval()
    with torch.no_grad():
        for m in bns:
            m.momentum = 0.1
            m.running_mean.add_(torch.randn(m.running_mean.shape, generator=gen) * 0.1)
            m.running_var.mul_(torch.empty_like(m.running_var).uniform_(0.7, 1.4, generator=gen))
    return len(bns)


def count_flops(model, x):
    """Approximate FLOPs (2*MACs of Conv/ConvTranspose/Linear, plus one FLOP
    per output element of every other leaf module)."""
    total = [0]
    hooks = []

    def hook(mod, inp, out):
        if not isinstance(out, torch.Tensor):
            return
        if isinstance(mod, nn.Conv2d):
            k = mod.kernel_size[0] * mod.kernel_size[1] * (mod.in_channels // mod.groups)
            total[0] += 2 * out.numel() * k
        elif isinstance(mod, nn.ConvTranspose2d):
            i = inp[0]
            k = mod.kernel_size[0] * mod.kernel_size[1] * (mod.out_channels // mod.groups)
            total[0] += 2 * i.numel() * k
        elif isinstance(mod, nn.Linear):
            total[0] += 2 * out.numel() * mod.in_features
        else:
            total[0] += out.numel()

    for m in model.modules():
        if len(list(m.children())) == 0:
            hooks.append(m.register_forward_hook(hook))
    with torch.no_grad():
        model(x)
    for h in hooks:
        h.remove()
    return total[0]


def save_tensor(arr, name, path):
    t = numpy_helper.from_array(np.ascontiguousarray(arr), name=name)
    with open(path, "wb") as f:
        f.write(t.SerializeToString())


def dir_size(path):
    n = 0
    for root, _, files in os.walk(path):
        for f in files:
            n += os.path.getsize(os.path.join(root, f))
    return n


def value_info_shape(vi):
    dims = []
    for d in vi.type.tensor_type.shape.dim:
        if d.HasField("dim_param"):
            dims.append(d.dim_param)
        elif d.HasField("dim_value"):
            dims.append(d.dim_value)
        else:
            dims.append("?")
    return dims


def export_onnx_bytes(model, x, dynamic, fuse_bn=False):
    buf = io.BytesIO()
    kwargs = {}
    if dynamic:
        kwargs["dynamic_axes"] = {INPUT_NAME: {0: "batch"}, OUTPUT_NAME: {0: "batch"}}
    torch.onnx.export(
        model,
        (x,),
        buf,
        export_params=True,
        opset_version=OPSET,
        do_constant_folding=False,
        # PRESERVE (model is already in eval mode) instead of EVAL: EVAL runs
        # the exporter's eval peephole, which folds every Conv+BatchNorm pair
        # into the Conv weights, leaving no BatchNormalization to test.
        # Dropout is still dropped (it becomes Identity) since train=False.
        training=torch.onnx.TrainingMode.EVAL if fuse_bn else torch.onnx.TrainingMode.PRESERVE,
        input_names=[INPUT_NAME],
        output_names=[OUTPUT_NAME],
        **kwargs,
    )
    return buf.getvalue()


def op_summary(model_proto):
    """{op_type: sorted attribute names} for every node (incl. subgraphs)."""
    ops = {}

    def scan(graph):
        for n in graph.node:
            attrs = ops.setdefault(n.op_type, set())
            for a in n.attribute:
                attrs.add(a.name)
                if a.type == onnx.AttributeProto.GRAPH:
                    scan(a.g)
                for g in a.graphs:
                    scan(g)

    scan(model_proto.graph)
    return {k: sorted(v) for k, v in sorted(ops.items())}


def write_test_case(outdir, name, model_proto_or_bytes, x, y, external=False):
    d = os.path.join(outdir, name)
    if os.path.isdir(d):
        shutil.rmtree(d)
    os.makedirs(os.path.join(d, "test_data_set_0"))
    mpath = os.path.join(d, "model.onnx")
    if external:
        onnx.save_model(
            model_proto_or_bytes,
            mpath,
            save_as_external_data=True,
            all_tensors_to_one_file=True,
            location="weights.bin",
            size_threshold=0,
        )
    else:
        with open(mpath, "wb") as f:
            f.write(model_proto_or_bytes)
    # check_model on the path handles both inline and external data.
    onnx.checker.check_model(mpath)
    m = onnx.load(mpath, load_external_data=False)
    assert len(m.graph.input) == 1 and len(m.graph.output) == 1, name
    in_name = m.graph.input[0].name
    out_name = m.graph.output[0].name
    save_tensor(x.numpy(), in_name, os.path.join(d, "test_data_set_0", "input_0.pb"))
    save_tensor(y.numpy(), out_name, os.path.join(d, "test_data_set_0", "output_0.pb"))
    return d, m


def build_model(name, spec):
    torch.manual_seed(SEED)
    gen = torch.Generator().manual_seed(SEED + 1)
    model = spec["build"]()
    model.eval()
    n_bn = randomize_batchnorm(model, spec["shape"], gen)
    model.eval()
    x = torch.randn(spec["shape"], generator=torch.Generator().manual_seed(SEED + 2))
    return model, x, n_bn


def process(name, spec, outdir, external_variant, fuse_bn=False):
    t0 = time.time()
    model, x, n_bn = build_model(name, spec)
    with torch.no_grad():
        y = model(x)
    if not isinstance(y, torch.Tensor):
        raise TypeError("model returned %s, expected a tensor" % type(y))
    params = sum(p.numel() for p in model.parameters())
    flops = count_flops(model, x)
    dynamic = bool(spec.get("dynamic"))
    t1 = time.time()
    blob = export_onnx_bytes(model, x, dynamic, fuse_bn)
    d, m = write_test_case(outdir, name, blob, x, y)
    t_export = time.time() - t1

    ops = op_summary(m)
    y_np = y.numpy()
    info = OrderedDict(
        name=name,
        dir=os.path.relpath(d, outdir),
        input=dict(name=m.graph.input[0].name, shape=value_info_shape(m.graph.input[0])),
        output=dict(name=m.graph.output[0].name, shape=value_info_shape(m.graph.output[0])),
        test_input_shape=list(x.shape),
        test_output_shape=list(y.shape),
        dynamic_batch=dynamic,
        bn_fused_by_exporter=fuse_bn,
        params=params,
        batchnorm_layers=n_bn,
        flops=flops,
        nodes=len(m.graph.node),
        initializers=len(m.graph.initializer),
        model_bytes=os.path.getsize(os.path.join(d, "model.onnx")),
        dir_bytes=dir_size(d),
        export_s=round(t_export, 3),
        total_s=round(time.time() - t0, 3),
        output_stats=dict(
            mean=float(y_np.mean()), std=float(y_np.std()),
            min=float(y_np.min()), max=float(y_np.max()),
        ),
        ops=ops,
    )
    if spec.get("note"):
        info["note"] = spec["note"]
    infos = [info]

    if external_variant:
        t2 = time.time()
        proto = onnx.load_model_from_string(blob)
        ename = name + "_external"
        d2, m2 = write_test_case(outdir, ename, proto, x, y, external=True)
        e = OrderedDict(info)
        e.update(
            name=ename,
            dir=os.path.relpath(d2, outdir),
            external_data="weights.bin",
            model_bytes=os.path.getsize(os.path.join(d2, "model.onnx")),
            weights_bytes=os.path.getsize(os.path.join(d2, "weights.bin")),
            dir_bytes=dir_size(d2),
            export_s=round(time.time() - t2, 3),
            total_s=round(time.time() - t2, 3),
            note="same graph as %s; every initializer stored in weights.bin "
                 "(size_threshold=0); Constant nodes stay inline" % name,
        )
        infos.append(e)
    return infos


def fmt_bytes(n):
    for unit in ("B", "KB", "MB", "GB"):
        if n < 1024 or unit == "GB":
            return "%.1f %s" % (n, unit) if unit != "B" else "%d B" % n
        n /= 1024.0


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("outdir", nargs="?", help="output directory")
    ap.add_argument("--only", help="comma-separated model names to export")
    ap.add_argument("--exclude", help="comma-separated model names to skip")
    ap.add_argument("--list", action="store_true", help="list model names and exit")
    ap.add_argument("--no-external-data", action="store_true",
                    help="do not write the %s_external variant" % EXTERNAL_DATA_MODEL)
    ap.add_argument("--fuse-bn", action="store_true",
                    help="export with TrainingMode.EVAL, letting torch.onnx fold "
                         "BatchNorm into the preceding Conv (default keeps BatchNormalization)")
    args = ap.parse_args(argv)

    if args.list:
        for name, spec in MODELS.items():
            extra = " dynamic-batch" if spec.get("dynamic") else ""
            print("%-20s input %s%s" % (name, "x".join(map(str, spec["shape"])), extra))
        print("%-20s external-data variant of %s" % (EXTERNAL_DATA_MODEL + "_external",
                                                     EXTERNAL_DATA_MODEL))
        return 0
    if not args.outdir:
        ap.error("OUTDIR is required")

    names = list(MODELS)
    if args.only:
        wanted = [n.strip() for n in args.only.split(",") if n.strip()]
        # "<model>_external" selects the external variant (and its base model).
        unknown = [n for n in wanted if n not in MODELS
                   and not (n == EXTERNAL_DATA_MODEL + "_external")]
        if unknown:
            ap.error("unknown model(s): %s (see --list)" % ", ".join(unknown))
        names = [n for n in names if n in wanted
                 or (n == EXTERNAL_DATA_MODEL and n + "_external" in wanted)]
    if args.exclude:
        skip = {n.strip() for n in args.exclude.split(",")}
        names = [n for n in names if n not in skip]

    torch.set_num_threads(2)
    os.makedirs(args.outdir, exist_ok=True)
    t_all = time.time()
    manifest, failures = [], []
    for name in names:
        ext = name == EXTERNAL_DATA_MODEL and not args.no_external_data
        try:
            infos = process(name, MODELS[name], args.outdir, ext, args.fuse_bn)
        except Exception as e:  # keep going; report at the end
            failures.append((name, "%s: %s" % (type(e).__name__, e)))
            print("%-24s FAILED: %s" % (name, failures[-1][1]), flush=True)
            continue
        for i in infos:
            manifest.append(i)
            print(
                "%-24s %9s params %11s  ~%7.3f GFLOP  export %6.2fs  (total %6.2fs)  in %s -> out %s"
                % (i["name"], fmt_bytes(i["model_bytes"] + i.get("weights_bytes", 0)),
                   "{:,}".format(i["params"]), i["flops"] / 1e9, i["export_s"], i["total_s"],
                   i["input"]["shape"], i["output"]["shape"]),
                flush=True,
            )

    mpath = os.path.join(args.outdir, "manifest.json")
    old = []
    if os.path.exists(mpath) and args.only:
        with open(mpath) as f:
            old = [m for m in json.load(f).get("models", [])
                   if m["name"] not in {i["name"] for i in manifest}]
    with open(mpath, "w") as f:
        json.dump(dict(opset=OPSET, torch=torch.__version__, torchvision=torchvision.__version__,
                       onnx=onnx.__version__, models=old + manifest), f, indent=1)

    all_ops = {}
    for i in manifest:
        for op, attrs in i["ops"].items():
            all_ops.setdefault(op, set()).update(attrs)
    print("\nop types (%d): %s" % (len(all_ops), ", ".join(sorted(all_ops))))
    print("total %s in %s, wall %.1fs" % (fmt_bytes(dir_size(args.outdir)), args.outdir,
                                         time.time() - t_all))
    if failures:
        print("FAILED: " + "; ".join("%s (%s)" % f for f in failures), file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
