"""Shared helpers for the tools/train_*.py scripts (Fashion-MNIST models in weights/).

Data comes from the Debian package ``dataset-fashion-mnist`` (MIT, Zalando SE), read straight
from its idx .gz files with numpy; nothing is downloaded. Must run under Debian's
/usr/bin/python3 (python3-torch 1.13, python3-onnx 1.12, numpy).

Besides loading data this module exports ONNX (opset 13, BatchNormalization kept), checks that the
graph only uses ops KernelVision supports, re-runs the exported graph with a small independent
ONNX interpreter (``run_onnx``, built on torch.nn.functional) to make sure the file computes what
the PyTorch module computes, and writes the oracle test data, model.json and PROVENANCE.md.
"""

import datetime
import gzip
import io
import json
import math
import os
import platform
import random
import sys
import time
import warnings

import numpy as np
import torch
import torch.nn.functional as F

import onnx
from onnx import numpy_helper

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
WEIGHTS = os.path.join(REPO, "weights")
DATA_DIR = "/usr/share/datasets/fashion-mnist"

LABELS = ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
          "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"]
MEAN = 0.2860   # Fashion-MNIST train-set pixel mean / std after dividing by 255
STD = 0.3530
OPSET = 13

# Ops the KernelVision runtime supports for these models (see the weights issue).
ALLOWED_OPS = {
    "Conv", "ConvTranspose", "BatchNormalization", "Relu", "LeakyRelu", "Sigmoid", "Tanh",
    "MaxPool", "AveragePool", "GlobalAveragePool", "Gemm", "MatMul", "Add", "Mul", "Concat",
    "Reshape", "Flatten", "Upsample", "Resize", "Softmax", "Dropout", "Pad", "Slice", "Gather",
    "Unsqueeze", "Squeeze", "Shape", "Constant", "Transpose", "Clip", "Sub", "Div",
}


# --------------------------------------------------------------------------------------------
# setup, data

def setup(seed, threads=2):
    """Fixed seeds everywhere, 2 threads (the dev machine has 2 cores)."""
    torch.set_num_threads(threads)
    torch.manual_seed(seed)
    np.random.seed(seed)
    random.seed(seed)


def _read_idx(path):
    with gzip.open(path, "rb") as f:
        data = f.read()
    magic = int.from_bytes(data[0:4], "big")
    if magic >> 8 != 0x08:  # 0x08 = unsigned byte
        raise ValueError(f"{path}: not an unsigned-byte idx file (magic {magic:#x})")
    ndim = magic & 0xFF
    dims = [int.from_bytes(data[4 + 4 * i: 8 + 4 * i], "big") for i in range(ndim)]
    arr = np.frombuffer(data, dtype=np.uint8, offset=4 + 4 * ndim)
    return arr.reshape(dims)


def load_fashion(split):
    """split 'train' (60,000) or 't10k'/'test' (10,000) -> (uint8 [N,28,28], int64 [N])."""
    prefix = {"train": "train", "test": "t10k", "t10k": "t10k"}[split]
    img = os.path.join(DATA_DIR, f"{prefix}-images-idx3-ubyte.gz")
    lab = os.path.join(DATA_DIR, f"{prefix}-labels-idx1-ubyte.gz")
    if not os.path.exists(img):
        sys.exit(f"{img} not found: apt-get install -y dataset-fashion-mnist")
    return _read_idx(img), _read_idx(lab).astype(np.int64)


def normalize_u8(x_u8):
    """uint8 pixels -> float32 tensor (x/255 - MEAN)/STD, adds the channel axis for [N,H,W]."""
    t = torch.from_numpy(np.array(x_u8, dtype=np.float32))
    if t.dim() == 3:
        t = t.unsqueeze(1)
    return (t / 255.0 - MEAN) / STD


# --------------------------------------------------------------------------------------------
# ONNX export and checks

def export_onnx(model, args, path, input_names, output_names):
    """Export an eval-mode module (opset 13, batch dimension 'N' dynamic, BatchNormalization kept).

    Returns the loaded ModelProto after checking it and its op set."""
    model.eval()
    axes = {n: {0: "N"} for n in list(input_names) + list(output_names)}
    buf = io.BytesIO()
    warnings.filterwarnings("ignore", message="It is recommended that constant folding")
    torch.onnx.export(model, tuple(args), buf, export_params=True, opset_version=OPSET,
                      do_constant_folding=True,
                      # PRESERVE (the module is already in eval mode) keeps BatchNormalization
                      # nodes instead of folding them into the Conv weights (TrainingMode.EVAL).
                      training=torch.onnx.TrainingMode.PRESERVE,
                      input_names=list(input_names), output_names=list(output_names),
                      dynamic_axes=axes)
    proto = onnx.load_from_string(buf.getvalue())
    # torch.onnx leaves some output dims symbolic (e.g. after ConvTranspose: 'Tanhoutput_dim_2');
    # declare the real sizes, keeping only the batch dimension 'N' symbolic.
    with torch.no_grad():
        ref = model(*args)
    ref = ref if isinstance(ref, (tuple, list)) else [ref]
    for vi, t in zip(proto.graph.output, ref):
        for i, d in enumerate(vi.type.tensor_type.shape.dim):
            if i > 0 and d.HasField("dim_param"):
                d.ClearField("dim_param")
                d.dim_value = int(t.shape[i])
    onnx.checker.check_model(proto, full_check=True)
    bad = sorted(set(op_types(proto)) - ALLOWED_OPS)
    if bad:
        raise RuntimeError(f"exported graph uses unsupported ops: {bad}")
    os.makedirs(os.path.dirname(path), exist_ok=True)
    onnx.save(proto, path)
    return proto


def op_types(proto):
    """{op_type: count} of the graph's nodes, in first-seen order."""
    out = {}
    for n in proto.graph.node:
        out[n.op_type] = out.get(n.op_type, 0) + 1
    return out


def io_shapes(proto):
    def shape(vi):
        return [d.dim_param if d.HasField("dim_param") else d.dim_value
                for d in vi.type.tensor_type.shape.dim]
    inits = {i.name for i in proto.graph.initializer}
    ins = {vi.name: shape(vi) for vi in proto.graph.input if vi.name not in inits}
    outs = {vi.name: shape(vi) for vi in proto.graph.output}
    return ins, outs


def param_count(proto):
    return int(sum(np.prod(i.dims) for i in proto.graph.initializer))


def run_onnx(proto, feeds):
    """Tiny ONNX interpreter for the op subset these models use (torch.nn.functional, float32).

    Independent of torch.onnx: used to check that model.onnx computes what the PyTorch module
    computes, and to evaluate a shipped model (e.g. the classifier) from its .onnx file alone."""
    env = {i.name: torch.from_numpy(numpy_helper.to_array(i).copy()) for i in proto.graph.initializer}
    for k, v in feeds.items():
        env[k] = v if isinstance(v, torch.Tensor) else torch.from_numpy(np.asarray(v))

    def attrs(node):
        return {a.name: onnx.helper.get_attribute_value(a) for a in node.attribute}

    def conv_pads(a, nd):
        pads = list(a.get("pads", [0] * (2 * nd)))
        if a.get("auto_pad", b"NOTSET") not in (b"NOTSET", "NOTSET"):
            raise NotImplementedError("auto_pad")
        return pads

    with torch.no_grad():
        for node in proto.graph.node:
            a = attrs(node)
            x = [env[i] if i else None for i in node.input]
            op = node.op_type
            if op == "Conv":
                p = conv_pads(a, 2)
                inp = F.pad(x[0], (p[1], p[3], p[0], p[2])) if any(p) else x[0]
                y = F.conv2d(inp, x[1], x[2] if len(x) > 2 else None, stride=a.get("strides", [1, 1]),
                             dilation=a.get("dilations", [1, 1]), groups=a.get("group", 1))
            elif op == "ConvTranspose":
                p = conv_pads(a, 2)
                if p[0] != p[2] or p[1] != p[3]:
                    raise NotImplementedError("asymmetric ConvTranspose pads")
                y = F.conv_transpose2d(x[0], x[1], x[2] if len(x) > 2 else None,
                                       stride=a.get("strides", [1, 1]), padding=(p[0], p[1]),
                                       output_padding=a.get("output_padding", [0, 0]),
                                       groups=a.get("group", 1), dilation=a.get("dilations", [1, 1]))
            elif op == "BatchNormalization":
                y = F.batch_norm(x[0], x[3], x[4], x[1], x[2], False, 0.0, a.get("epsilon", 1e-5))
            elif op == "Relu":
                y = torch.relu(x[0])
            elif op == "LeakyRelu":
                y = F.leaky_relu(x[0], a.get("alpha", 0.01))
            elif op == "Sigmoid":
                y = torch.sigmoid(x[0])
            elif op == "Tanh":
                y = torch.tanh(x[0])
            elif op == "MaxPool":
                p = a.get("pads", [0, 0, 0, 0])
                inp = F.pad(x[0], (p[1], p[3], p[0], p[2]), value=float("-inf")) if any(p) else x[0]
                y = F.max_pool2d(inp, a["kernel_shape"], a.get("strides", a["kernel_shape"]),
                                 ceil_mode=bool(a.get("ceil_mode", 0)))
            elif op == "Gemm":
                A = x[0].t() if a.get("transA", 0) else x[0]
                B = x[1].t() if a.get("transB", 0) else x[1]
                y = a.get("alpha", 1.0) * (A @ B)
                if len(x) > 2 and x[2] is not None:
                    y = y + a.get("beta", 1.0) * x[2]
            elif op == "Add":
                y = x[0] + x[1]
            elif op == "Sub":
                y = x[0] - x[1]
            elif op == "Mul":
                y = x[0] * x[1]
            elif op == "Div":
                y = x[0] / x[1]
            elif op == "Concat":
                y = torch.cat(x, dim=a["axis"])
            elif op == "Reshape":
                shape = [int(s) for s in x[1].tolist()]
                shape = [x[0].shape[i] if s == 0 else s for i, s in enumerate(shape)]
                y = x[0].reshape(shape)
            elif op == "Flatten":
                ax = a.get("axis", 1)
                y = x[0].reshape(int(np.prod(x[0].shape[:ax])), -1)
            elif op == "Unsqueeze":
                y = x[0]
                for ax in sorted(int(v) for v in x[1].tolist()):
                    y = y.unsqueeze(ax)
            elif op == "Resize":
                if a.get("mode", b"nearest") not in (b"nearest", "nearest"):
                    raise NotImplementedError("Resize mode")
                scales = x[2] if len(x) > 2 and x[2] is not None and x[2].numel() else None
                if scales is not None:
                    size = [int(math.floor(d * float(sc))) for d, sc in zip(x[0].shape, scales)]
                else:
                    size = [int(v) for v in x[3].tolist()]
                if size[:2] != list(x[0].shape[:2]):
                    raise NotImplementedError("Resize over N or C")
                # PyTorch 'nearest' == ONNX asymmetric + floor, the mode torch.onnx exports
                if (a.get("coordinate_transformation_mode", b"half_pixel") not in (b"asymmetric", "asymmetric")
                        or a.get("nearest_mode", b"round_prefer_floor") not in (b"floor", "floor")):
                    raise NotImplementedError("Resize: only asymmetric/floor nearest")
                y = F.interpolate(x[0], size=size[2:], mode="nearest")
            elif op == "Constant":
                y = torch.from_numpy(numpy_helper.to_array(a["value"]).copy())
            else:
                raise NotImplementedError(f"run_onnx: op {op}")
            env[node.output[0]] = y
    return [env[o.name] for o in proto.graph.output]


def check_onnx_matches(proto, feeds, torch_outputs, tol=1e-4):
    """max|onnx - torch| over all outputs; raises if above tol."""
    got = run_onnx(proto, feeds)
    err = max(float((g - t).abs().max()) for g, t in zip(got, torch_outputs))
    if not err <= tol:
        raise RuntimeError(f"exported ONNX differs from PyTorch: max|err| = {err}")
    return err


# --------------------------------------------------------------------------------------------
# files

def save_pb(arr, name, path):
    t = numpy_helper.from_array(np.ascontiguousarray(arr), name=name)
    with open(path, "wb") as f:
        f.write(t.SerializeToString())


def write_oracle(model_dir, inputs, outputs):
    """inputs/outputs: lists of (graph name, float32 array) -> oracle/test_data_set_0/*.pb
    (ONNX backend-test layout: input_<i>.pb / output_<i>.pb, TensorProto named after the graph
    input/output), plus oracle/data.json with the comparison tolerance."""
    d = os.path.join(model_dir, "oracle", "test_data_set_0")
    os.makedirs(d, exist_ok=True)
    for f in os.listdir(d):
        os.remove(os.path.join(d, f))
    for i, (name, arr) in enumerate(inputs):
        save_pb(arr, name, os.path.join(d, f"input_{i}.pb"))
    for i, (name, arr) in enumerate(outputs):
        save_pb(arr, name, os.path.join(d, f"output_{i}.pb"))
    write_oracle_tolerance(model_dir)


# Tolerance for comparing another runtime's float32 output with the oracle, in the ONNX
# backend-test data.json form (numpy assert_allclose: |got - expected| <= atol + rtol*|expected|).
# PyTorch's own float32 outputs differ from a float64 evaluation of the same graph by up to
# ~2e-5 on the detector's logits (|logit| up to ~20), ~4e-6 on the classifier's, ~1e-6 on the
# generator's, so an absolute tolerance of 1e-7 (the conformance default) is too tight here.
ORACLE_TOLERANCE = {"rtol": 1e-3, "atol": 1e-4}


def write_oracle_tolerance(model_dir):
    write_json(os.path.join(model_dir, "oracle", "data.json"), ORACLE_TOLERANCE)


def write_json(path, obj):
    with open(path, "w") as f:
        json.dump(obj, f, indent=2)
        f.write("\n")


def file_size(path):
    return os.path.getsize(path)


def environment_line():
    return (f"PyTorch {torch.__version__}, onnx {onnx.__version__}, numpy {np.__version__}, "
            f"Python {platform.python_version()}, {torch.get_num_threads()} threads, "
            f"OMP_WAIT_POLICY={os.environ.get('OMP_WAIT_POLICY', '(unset)')}")


def today():
    return datetime.date.today().isoformat()


class Clock:
    """Wall time plus the machine's load average (the dev machine's 2 cores are shared)."""

    def __init__(self):
        self.t0 = time.time()
        self.c0 = self.cpu()
        self.load0 = os.getloadavg()[0]

    @staticmethod
    def cpu():
        t = os.times()
        return t.user + t.system

    def cpu_elapsed(self):
        return self.cpu() - self.c0

    def elapsed(self):
        return time.time() - self.t0

    def describe(self):
        s = self.elapsed()
        c = self.cpu_elapsed()
        return (f"{s:.0f} s ({s / 60:.1f} min) wall, {c:.0f} s ({c / 60:.1f} min) CPU time "
                f"(user+system, 2 threads); 1-min load average "
                f"{self.load0:.1f} at start, {os.getloadavg()[0]:.1f} at end (the 2-core machine "
                f"was shared with other work, so an idle machine is faster)")


def log(*a):
    print(*a, flush=True)
