"""Train a tiny YOLOv2-style detector on synthetic Fashion-MNIST scenes; export weights/fashion-detector/.

    /usr/bin/python3 tools/train_detector.py [--epochs N] [--scenes-per-epoch K] [--out DIR]

Scenes: 128x128 gray canvases, black background, 1-4 Fashion-MNIST items each, every item's 28x28
image resized (PIL bilinear) to a random square side of 24..56 px, placed at a random position,
drawn with max-blending; an item is re-placed (up to 20 tries, else dropped) if its box overlaps an
earlier one with IoU > 0.15. The ground-truth box is the item's tight box (pixels > 16 of the
28x28 original), scaled and offset with it. Training scenes use train-split items (fresh scenes
every epoch), the held-out evaluation set uses test-split items.

Network: 6 conv3x3-BN-LeakyReLU(0.1) layers (strides 2,2,2,1,2,1: 128 -> 8x8 grid) and a 1x1 conv
head. Output "output" [N, A*(5+C), 8, 8] laid out as docs/MODEL-METADATA.md says (for anchor a:
channels a*(5+C)+0..4 = tx, ty, tw, th, objectness logit, then C class logits); anchors from
k-means (IoU distance) on the training boxes, in grid cells.

Writes model.onnx, model.json (with the exact decode / NMS / mAP parameters), PROVENANCE.md,
oracle/test_data_set_0/, eval/images.npy + eval/boxes.json (the held-out set the recorded mAP is
measured on) and two sample scenes in weights/samples/.
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

SEED = 20240503
EVAL_SEED = 777
ANCHOR_SEED = 5
CANVAS = 128
GRID = 8
NUM_A = 3
NC = 10
SIZE_MIN, SIZE_MAX = 24, 56
ITEM_THRESHOLD = 16     # tight box = pixels > this in the 28x28 original
MAX_OVERLAP_IOU = 0.15

# Evaluation / decode parameters (also written to model.json).
SCORE_THRESHOLD = 0.01
NMS_IOU = 0.45
MATCH_IOU = 0.5


# --------------------------------------------------------------------------------------------
# synthetic scenes

def tight_boxes(items):
    """[N,28,28] uint8 -> [N,4] (x1,y1,x2,y2) of pixels > ITEM_THRESHOLD, in 28-px units."""
    out = np.zeros((len(items), 4), np.float64)
    for i, im in enumerate(items):
        ys, xs = np.nonzero(im > ITEM_THRESHOLD)
        if len(xs) == 0:
            out[i] = (0, 0, 28, 28)
        else:
            out[i] = (xs.min(), ys.min(), xs.max() + 1, ys.max() + 1)
    return out


def iou_one_many(b, boxes):
    if len(boxes) == 0:
        return np.zeros(0)
    boxes = np.asarray(boxes, np.float64)
    ix1 = np.maximum(b[0], boxes[:, 0]); iy1 = np.maximum(b[1], boxes[:, 1])
    ix2 = np.minimum(b[2], boxes[:, 2]); iy2 = np.minimum(b[3], boxes[:, 3])
    inter = np.clip(ix2 - ix1, 0, None) * np.clip(iy2 - iy1, 0, None)
    area = (b[2] - b[0]) * (b[3] - b[1])
    areas = (boxes[:, 2] - boxes[:, 0]) * (boxes[:, 3] - boxes[:, 1])
    return inter / (area + areas - inter)


def make_scenes(rng, items, labels, tboxes, n):
    """-> uint8 [n,128,128], list of [(class, x1, y1, x2, y2), ...] (pixels, rounded to 0.01)."""
    from PIL import Image
    imgs = np.zeros((n, CANVAS, CANVAS), np.uint8)
    all_boxes = []
    for k in range(n):
        boxes = []
        for _ in range(int(rng.integers(1, 5))):
            for _try in range(20):
                j = int(rng.integers(len(items)))
                s = int(rng.integers(SIZE_MIN, SIZE_MAX + 1))
                x0 = int(rng.integers(0, CANVAS - s + 1))
                y0 = int(rng.integers(0, CANVAS - s + 1))
                b = tboxes[j] * (s / 28.0) + np.array([x0, y0, x0, y0])
                b = np.round(b, 2)
                if len(boxes) and iou_one_many(b, [bb[1:] for bb in boxes]).max() > MAX_OVERLAP_IOU:
                    continue
                patch = np.asarray(Image.fromarray(items[j]).resize((s, s), Image.BILINEAR))
                region = imgs[k, y0:y0 + s, x0:x0 + s]
                np.maximum(region, patch, out=region)
                boxes.append((int(labels[j]), float(b[0]), float(b[1]), float(b[2]), float(b[3])))
                break
        all_boxes.append(boxes)
    return imgs, all_boxes


def kmeans_anchors(wh, k, rng, iters=100):
    """k-means with 1 - IoU distance on box (w, h) in grid cells; sorted by area."""
    cent = wh[rng.choice(len(wh), k, replace=False)].copy()
    for _ in range(iters):
        inter = np.minimum(wh[:, None, 0], cent[None, :, 0]) * np.minimum(wh[:, None, 1], cent[None, :, 1])
        iou = inter / (wh[:, None, 0] * wh[:, None, 1] + cent[None, :, 0] * cent[None, :, 1] - inter)
        assign = iou.argmax(1)
        new = np.array([wh[assign == i].mean(0) if (assign == i).any() else cent[i] for i in range(k)])
        if np.allclose(new, cent):
            break
        cent = new
    cent = cent[np.argsort(cent[:, 0] * cent[:, 1])]
    return np.round(cent, 3)


# --------------------------------------------------------------------------------------------
# network

def cbl(cin, cout, stride):
    return [nn.Conv2d(cin, cout, 3, stride, 1, bias=False), nn.BatchNorm2d(cout), nn.LeakyReLU(0.1, True)]


class TinyYolo(nn.Module):
    def __init__(self):
        super().__init__()
        self.body = nn.Sequential(*cbl(1, 16, 2), *cbl(16, 32, 2), *cbl(32, 64, 2), *cbl(64, 64, 1),
                                  *cbl(64, 128, 2), *cbl(128, 128, 1))
        self.head = nn.Conv2d(128, NUM_A * (5 + NC), 1)

    def forward(self, x):
        return self.head(self.body(x))


# --------------------------------------------------------------------------------------------
# loss

def build_targets(boxes_batch, anchors, flip):
    """Per scene: assign every GT box to (cell containing its centre, best-shape anchor)."""
    b = len(boxes_batch)
    t_xy = torch.zeros(b, NUM_A, 2, GRID, GRID)
    t_wh = torch.zeros(b, NUM_A, 2, GRID, GRID)
    t_cls = torch.full((b, NUM_A, GRID, GRID), -1, dtype=torch.long)
    t_scale = torch.zeros(b, NUM_A, GRID, GRID)
    gt_list = []
    for i, boxes in enumerate(boxes_batch):
        gts = []
        for (c, x1, y1, x2, y2) in boxes:
            if flip[i]:
                x1, x2 = CANVAS - x2, CANVAS - x1
            gts.append((x1 / CANVAS, y1 / CANVAS, x2 / CANVAS, y2 / CANVAS))
            gx, gy = (x1 + x2) / 2 / CANVAS * GRID, (y1 + y2) / 2 / CANVAS * GRID
            gw, gh = (x2 - x1) / CANVAS * GRID, (y2 - y1) / CANVAS * GRID
            col, row = min(int(gx), GRID - 1), min(int(gy), GRID - 1)
            inter = np.minimum(gw, anchors[:, 0]) * np.minimum(gh, anchors[:, 1])
            a = int(np.argmax(inter / (gw * gh + anchors[:, 0] * anchors[:, 1] - inter)))
            t_xy[i, a, 0, row, col] = gx - col
            t_xy[i, a, 1, row, col] = gy - row
            t_wh[i, a, 0, row, col] = math.log(gw / anchors[a, 0])
            t_wh[i, a, 1, row, col] = math.log(gh / anchors[a, 1])
            t_cls[i, a, row, col] = c
            t_scale[i, a, row, col] = 2.0 - (gw / GRID) * (gh / GRID)
        gt_list.append(torch.tensor(gts, dtype=torch.float32).reshape(-1, 4))
    return t_xy, t_wh, t_cls, t_scale, gt_list


def grid_xy():
    ys, xs = torch.meshgrid(torch.arange(GRID, dtype=torch.float32),
                            torch.arange(GRID, dtype=torch.float32), indexing="ij")
    return xs, ys


def decode_boxes(out, anchors_t):
    """out [N, A*(5+C), S, S] -> boxes [N, A, S, S, 4] (x1,y1,x2,y2 in [0,1] units, unclipped),
    objectness logits [N,A,S,S], class logits [N,A,S,S,C]; exactly the metadata formulas."""
    n = out.shape[0]
    p = out.reshape(n, NUM_A, 5 + NC, GRID, GRID)
    xs, ys = grid_xy()
    cx = (torch.sigmoid(p[:, :, 0]) + xs) / GRID
    cy = (torch.sigmoid(p[:, :, 1]) + ys) / GRID
    w = anchors_t[None, :, 0, None, None] * torch.exp(p[:, :, 2]) / GRID
    h = anchors_t[None, :, 1, None, None] * torch.exp(p[:, :, 3]) / GRID
    boxes = torch.stack([cx - w / 2, cy - h / 2, cx + w / 2, cy + h / 2], -1)
    return boxes, p[:, :, 4], p[:, :, 5:].permute(0, 1, 3, 4, 2)


def box_iou(a, b):
    """a [..., 4], b [M, 4] -> [..., M]."""
    ix1 = torch.maximum(a[..., None, 0], b[:, 0]); iy1 = torch.maximum(a[..., None, 1], b[:, 1])
    ix2 = torch.minimum(a[..., None, 2], b[:, 2]); iy2 = torch.minimum(a[..., None, 3], b[:, 3])
    inter = (ix2 - ix1).clamp(min=0) * (iy2 - iy1).clamp(min=0)
    aa = (a[..., 2] - a[..., 0]) * (a[..., 3] - a[..., 1])
    ab = (b[:, 2] - b[:, 0]) * (b[:, 3] - b[:, 1])
    return inter / (aa[..., None] + ab - inter + 1e-9)


def yolo_loss(out, targets, anchors_t, ignore_iou=0.5):
    t_xy, t_wh, t_cls, t_scale, gt_list = targets
    n = out.shape[0]
    p = out.reshape(n, NUM_A, 5 + NC, GRID, GRID)
    pos = t_cls >= 0                                           # [n,A,S,S]
    with torch.no_grad():
        boxes, _, _ = decode_boxes(out.detach(), anchors_t)
        ignore = torch.zeros_like(pos)
        for i in range(n):
            if len(gt_list[i]):
                ignore[i] = box_iou(boxes[i], gt_list[i]).max(-1).values > ignore_iou
    scale = t_scale[:, :, None]
    l_xy = (scale * F.binary_cross_entropy_with_logits(p[:, :, 0:2], t_xy, reduction="none"))
    l_wh = (scale * 0.5 * (p[:, :, 2:4] - t_wh) ** 2)
    l_box = (l_xy.sum(2) + l_wh.sum(2))[pos].sum()
    obj_t = pos.float()
    l_obj_all = F.binary_cross_entropy_with_logits(p[:, :, 4], obj_t, reduction="none")
    l_obj = l_obj_all[pos | ~ignore].sum()
    cls_logits = p[:, :, 5:].permute(0, 1, 3, 4, 2)[pos]       # [P, C]
    l_cls = F.cross_entropy(cls_logits, t_cls[pos], reduction="sum") if pos.any() else out.sum() * 0
    return (l_box + l_obj + l_cls) / n, (float(l_box) / n, float(l_obj) / n, float(l_cls) / n)


# --------------------------------------------------------------------------------------------
# evaluation: decode -> score threshold -> class-aware NMS -> VOC all-point AP

def detect(out, anchors_t):
    """Raw output [N, A*(5+C), S, S] -> per image a list of (class, score, x1, y1, x2, y2) in pixels.

    Exactly: decode per docs/MODEL-METADATA.md; box to pixels (x CANVAS) and clipped to
    [0, CANVAS]; score(c) = sigmoid(obj) * softmax(class logits)[c] for every class c; keep
    score > SCORE_THRESHOLD; class-aware greedy NMS (per class, descending score, drop boxes with
    IoU > NMS_IOU with a kept box); no cap on the number of detections."""
    boxes, obj, cls = decode_boxes(out, anchors_t)
    boxes = (boxes * CANVAS).clamp(0, CANVAS)
    scores = torch.sigmoid(obj)[..., None] * torch.softmax(cls, -1)    # [N,A,S,S,C]
    boxes = boxes.double().numpy()
    scores = scores.double().numpy()
    results = []
    for i in range(out.shape[0]):
        b = boxes[i].reshape(-1, 4)
        s = scores[i].reshape(-1, NC)
        dets = []
        for c in range(NC):
            keep = np.nonzero(s[:, c] > SCORE_THRESHOLD)[0]
            if len(keep) == 0:
                continue
            order = keep[np.argsort(-s[keep, c], kind="stable")]
            bc, sc = b[order], s[order, c]
            iou = pairwise_iou(bc)
            alive = np.ones(len(sc), bool)
            for j in range(len(sc)):
                if alive[j]:
                    dets.append((c, float(sc[j]), *[float(v) for v in bc[j]]))
                    alive[j + 1:] &= ~(iou[j, j + 1:] > NMS_IOU)
        results.append(dets)
    return results


def pairwise_iou(b):
    ix1 = np.maximum(b[:, None, 0], b[None, :, 0]); iy1 = np.maximum(b[:, None, 1], b[None, :, 1])
    ix2 = np.minimum(b[:, None, 2], b[None, :, 2]); iy2 = np.minimum(b[:, None, 3], b[None, :, 3])
    inter = np.clip(ix2 - ix1, 0, None) * np.clip(iy2 - iy1, 0, None)
    area = (b[:, 2] - b[:, 0]) * (b[:, 3] - b[:, 1])
    union = area[:, None] + area[None, :] - inter
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(union > 0, inter / union, 0.0)


def voc_ap(rec, prec):
    mrec = np.concatenate([[0.0], rec, [1.0]])
    mpre = np.concatenate([[0.0], prec, [0.0]])
    for i in range(len(mpre) - 2, -1, -1):
        mpre[i] = max(mpre[i], mpre[i + 1])
    idx = np.nonzero(mrec[1:] != mrec[:-1])[0]
    return float(np.sum((mrec[idx + 1] - mrec[idx]) * mpre[idx + 1]))


def mean_ap(dets, gts):
    """dets/gts: per image lists of (class, score, x1..y2) / (class, x1..y2). VOC all-point AP per
    class (detections of all images sorted by descending score, stable in (image, emission)
    order); each matched to the GT of that class in its image with the highest IoU, taken or
    not; TP if IoU >= MATCH_IOU and that GT is not yet taken, else FP); mAP = mean over classes
    with at least one GT."""
    aps = {}
    for c in range(NC):
        gt_c = [np.array([g[1:] for g in gi if g[0] == c], np.float64).reshape(-1, 4) for gi in gts]
        npos = sum(len(g) for g in gt_c)
        if npos == 0:
            continue
        d = [(d_[1], i, d_[2:]) for i, di in enumerate(dets) for d_ in di if d_[0] == c]
        order = sorted(range(len(d)), key=lambda k: -d[k][0])   # Python sort is stable
        taken = [np.zeros(len(g), bool) for g in gt_c]
        tp = np.zeros(len(d)); fp = np.zeros(len(d))
        for r, k in enumerate(order):
            _, i, box = d[k]
            g = gt_c[i]
            if len(g) == 0:
                fp[r] = 1
                continue
            ious = iou_one_many(np.array(box), g)
            j = int(np.argmax(ious))
            if ious[j] >= MATCH_IOU and not taken[i][j]:
                tp[r] = 1
                taken[i][j] = True
            else:
                fp[r] = 1
        tp, fp = np.cumsum(tp), np.cumsum(fp)
        rec = tp / npos
        prec = tp / np.maximum(tp + fp, np.finfo(np.float64).eps)
        aps[c] = voc_ap(rec, prec)
    return float(np.mean(list(aps.values()))), aps


def run_eval(model, imgs_u8, gts, anchors_t, bs=50):
    model.eval()
    dets = []
    with torch.no_grad():
        for i in range(0, len(imgs_u8), bs):
            dets += detect(model(cf.normalize_u8(imgs_u8[i:i + bs])), anchors_t)
    return mean_ap(dets, gts) + (dets,)


def scene_png(img, boxes, path):
    from PIL import Image
    Image.fromarray(img, "L").save(path, optimize=True)


# --------------------------------------------------------------------------------------------

def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--epochs", type=int, default=16)
    ap.add_argument("--scenes-per-epoch", type=int, default=8000)
    ap.add_argument("--batch", type=int, default=32)
    ap.add_argument("--eval-scenes", type=int, default=200)
    ap.add_argument("--out", default=os.path.join(cf.WEIGHTS, "fashion-detector"))
    ap.add_argument("--samples", default=os.path.join(cf.WEIGHTS, "samples"))
    args = ap.parse_args()

    clock = cf.Clock()
    cf.setup(SEED)
    xtr, ytr = cf.load_fashion("train")
    xte, yte = cf.load_fashion("test")
    tb_tr, tb_te = tight_boxes(xtr), tight_boxes(xte)

    # held-out evaluation set (test-split items, its own seed)
    ev_imgs, ev_boxes = make_scenes(np.random.default_rng(EVAL_SEED), xte, yte, tb_te, args.eval_scenes)

    # anchors: k-means on the boxes of 4000 training scenes
    rng = np.random.default_rng(SEED)
    _, kb = make_scenes(np.random.default_rng(ANCHOR_SEED), xtr, ytr, tb_tr, 4000)
    wh = np.array([((b[3] - b[1]) / CANVAS * GRID, (b[4] - b[2]) / CANVAS * GRID) for bb in kb for b in bb])
    anchors = kmeans_anchors(wh, NUM_A, np.random.default_rng(ANCHOR_SEED))
    anchors_t = torch.tensor(anchors, dtype=torch.float32)
    cf.log(f"anchors (grid cells): {anchors.tolist()}")

    model = TinyYolo()
    with torch.no_grad():   # start with low objectness so the many empty cells do not dominate
        b = model.head.bias.view(NUM_A, 5 + NC)
        b[:, 4] = -4.0
    opt = torch.optim.AdamW(model.parameters(), lr=2e-3, weight_decay=5e-4)
    steps = args.epochs * (args.scenes_per_epoch // args.batch)
    sched = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=3e-3, total_steps=steps, pct_start=0.15)
    gen = torch.Generator().manual_seed(SEED)
    history = []
    for epoch in range(args.epochs):
        imgs, boxes = make_scenes(rng, xtr, ytr, tb_tr, args.scenes_per_epoch)
        x_all = cf.normalize_u8(imgs)
        model.train()
        perm = torch.randperm(len(imgs), generator=gen)
        sums = np.zeros(3)
        nb = 0
        for s in range(0, len(imgs) - args.batch + 1, args.batch):
            idx = perm[s:s + args.batch]
            flip = (torch.rand(len(idx), generator=gen) < 0.5).tolist()
            xb = x_all[idx]
            fl = torch.tensor(flip)
            xb = torch.where(fl[:, None, None, None], xb.flip(3), xb)
            targets = build_targets([boxes[int(k)] for k in idx], anchors, flip)
            loss, parts = yolo_loss(model(xb), targets, anchors_t)
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
            sched.step()
            sums += parts
            nb += 1
        m, _, _ = run_eval(model, ev_imgs, ev_boxes, anchors_t)
        history.append((epoch + 1, *(sums / nb), m))
        cf.log(f"epoch {epoch + 1}/{args.epochs} loss box {sums[0] / nb:.3f} obj {sums[1] / nb:.3f} "
               f"cls {sums[2] / nb:.3f} eval mAP@0.5 {m * 100:.2f} "
               f"({clock.elapsed():.0f} s wall, {clock.cpu_elapsed():.0f} s CPU)")

    model.eval()
    mAP, aps, dets = run_eval(model, ev_imgs, ev_boxes, anchors_t)
    mAP_pct = round(100.0 * mAP, 2)
    ndet = sum(len(d) for d in dets)
    cf.log(f"final PyTorch mAP@0.5 {mAP_pct} on {len(ev_imgs)} held-out scenes, {ndet} detections")

    os.makedirs(args.out, exist_ok=True)
    onnx_path = os.path.join(args.out, "model.onnx")
    xo = cf.normalize_u8(ev_imgs[:2])
    with torch.no_grad():
        yo = model(xo)
    proto = cf.export_onnx(model, [xo], onnx_path, ["input"], ["output"])
    err = cf.check_onnx_matches(proto, {"input": xo}, [yo])
    # the whole evaluation set through the ONNX interpreter gives the same mAP?
    ev_out = cf.run_onnx(proto, {"input": cf.normalize_u8(ev_imgs)})[0]
    onnx_map, _ = mean_ap(detect(ev_out, anchors_t), ev_boxes)
    cf.log(f"ONNX re-run: max|err| {err:.2e} on the oracle, mAP {onnx_map * 100:.4f} vs {mAP * 100:.4f}")
    cf.write_oracle(args.out, [("input", xo.numpy())], [("output", yo.numpy())])

    ev_dir = os.path.join(args.out, "eval")
    os.makedirs(ev_dir, exist_ok=True)
    np.save(os.path.join(ev_dir, "images.npy"), ev_imgs)
    cf.write_json(os.path.join(ev_dir, "boxes.json"), {
        "description": "ground truth of images.npy (uint8 [N,128,128]): per image a list of boxes, "
                       "class index into labels, corners in pixels (x2/y2 exclusive edges, "
                       "continuous coordinates)",
        "labels": cf.LABELS,
        "images": [[{"class": c, "x1": x1, "y1": y1, "x2": x2, "y2": y2} for (c, x1, y1, x2, y2) in bb]
                   for bb in ev_boxes]})

    os.makedirs(args.samples, exist_ok=True)
    for i in range(2):
        scene_png(ev_imgs[i], ev_boxes[i], os.path.join(args.samples, f"scene-{i}.png"))

    ins, outs = cf.io_shapes(proto)
    ops = cf.op_types(proto)
    evaluation = {
        "decode": "per docs/MODEL-METADATA.md; boxes scaled to pixels (x 128) and clipped to [0,128]",
        "score": "sigmoid(obj) * softmax(class logits)[c], every class c of every box",
        "score_threshold": SCORE_THRESHOLD, "score_threshold_rule": "keep score > threshold",
        "nms": "class-aware greedy: per class, descending score, drop IoU > nms_iou with a kept box",
        "nms_iou": NMS_IOU, "max_detections": None,
        "iou": "continuous coordinates, area = (x2-x1)*(y2-y1), no +1",
        "match_iou": MATCH_IOU,
        "ap": "VOC all-point interpolation (monotone precision envelope, sum over recall steps); "
              "detections of one class over all images sorted by descending score; each detection "
              "matched to the highest-IoU ground truth of its class in its image: TP if IoU >= "
              "match_iou and that ground truth is not yet taken, else FP",
        "map": "mean of per-class AP over classes with at least one ground-truth box",
        "eval_set": "eval/images.npy + eval/boxes.json",
        "pytorch_map50": mAP_pct,
        "pytorch_map50_exact": mAP,
        "pytorch_ap50_per_class": {cf.LABELS[c]: round(100.0 * a, 2) for c, a in aps.items()},
        "pytorch_num_detections": ndet,
    }
    meta = {
        "format": 1,
        "task": "detection",
        "name": "fashion-detector",
        "description": "Tiny YOLOv2-style detector (8x8 grid, 3 anchors) trained on synthetic "
                       "128x128 scenes of Fashion-MNIST items on a black background",
        "labels": cf.LABELS,
        "input": {"name": "input", "width": CANVAS, "height": CANVAS, "color": "gray",
                  "resize": "stretch", "scale": 255.0, "mean": [cf.MEAN], "std": [cf.STD]},
        "detection": {"output": "output", "grid": GRID, "anchors": anchors.tolist(), "num_classes": NC},
        "evaluation": evaluation,
    }
    cf.write_json(os.path.join(args.out, "model.json"), meta)

    size = cf.file_size(onnx_path)
    ap_rows = ["| class | AP@0.5 |", "| --- | --- |"] + \
        [f"| {c} {cf.LABELS[c]} | {100 * a:.2f} % |" for c, a in aps.items()]
    lines = [
        "# fashion-detector — provenance",
        "",
        "- **Script**: `tools/train_detector.py` (one command: `/usr/bin/python3 tools/train_detector.py`)",
        "- **Data**: synthetic 128x128 scenes built from Fashion-MNIST (Debian package "
        "`dataset-fashion-mnist`, MIT licence, © Zalando SE): black canvas, 1-4 items, each item "
        f"resized (PIL bilinear) to a square of {SIZE_MIN}-{SIZE_MAX} px at a random position, "
        f"max-blended; re-placed if its box has IoU > {MAX_OVERLAP_IOU} with an earlier one. "
        f"Ground truth = tight box of pixels > {ITEM_THRESHOLD} in the 28x28 item, scaled with it. "
        "Training scenes use train-split items, freshly generated each epoch; the evaluation set "
        "uses test-split items.",
        f"- **Training**: {args.epochs} epochs x {args.scenes_per_epoch} scenes, batch {args.batch}, "
        "AdamW (weight decay 5e-4), one-cycle LR (max 3e-3), random horizontal flip. YOLOv2/v3-style "
        "loss: BCE on sigmoid(tx,ty) and squared error on tw,th (weighted 2 - w*h) for the "
        "assigned anchor (cell containing the centre, best shape-IoU anchor), objectness BCE (cells "
        "whose predicted box has IoU > 0.5 with a ground truth are not pushed to 0), softmax "
        "cross-entropy for the class.",
        f"- **Anchors** (k-means, 1-IoU distance, on 4000 training scenes, grid cells): "
        f"{anchors.tolist()}.",
        f"- **Seed**: {SEED} (training), {EVAL_SEED} (evaluation scenes), {ANCHOR_SEED} (anchor scenes).",
        f"- **Measured metric**: **mAP@0.5 = {mAP_pct:.2f} %** ({mAP!r}) in PyTorch on the "
        f"{len(ev_imgs)} held-out scenes in `eval/` ({sum(len(b) for b in ev_boxes)} ground-truth "
        f"boxes, {ndet} detections after NMS). The ONNX file re-run with the interpreter in "
        f"`tools/common_fashion.py` gives {onnx_map * 100:.4f} %.",
        "- **Per-epoch eval mAP@0.5**: " + ", ".join(f"{h[0]}: {h[4] * 100:.1f} %" for h in history),
        f"- **Run time**: {clock.describe()}.",
        f"- **Date**: {cf.today()}; {cf.environment_line()}.",
        "",
        *ap_rows,
        "",
        "## How the number is computed (reproduce this in C#)",
        "",
        "1. Image bytes / 255, then (x - 0.2860) / 0.3530; input [N,1,128,128].",
        "2. Output [N, 3*15, 8, 8]; anchor a uses channels 15a..15a+14 = tx, ty, tw, th, obj, "
        "10 class logits. For cell (row, col): cx = (sigmoid(tx) + col) / 8, cy = (sigmoid(ty) + "
        "row) / 8, w = anchor_w * exp(tw) / 8, h = anchor_h * exp(th) / 8; corners (cx -+ w/2, cy "
        "-+ h/2) x 128, clipped to [0, 128].",
        f"3. score(c) = sigmoid(obj) * softmax(logits)[c] for all 10 classes; keep score > {SCORE_THRESHOLD}.",
        f"4. Class-aware greedy NMS: per class, by descending score, drop boxes with IoU > {NMS_IOU} "
        "to an already kept box. No cap on detections per image.",
        f"5. Per class: all detections of all images sorted by descending score; each is matched "
        f"to the ground-truth box of that class in its image with the highest IoU; TP if IoU >= "
        f"{MATCH_IOU} and that box is not yet matched, else FP. AP = VOC all-point interpolation "
        "(precision made monotone non-increasing from the right, summed over recall steps). "
        "mAP = mean over the 10 classes. IoU uses continuous coordinates (no +1).",
        "",
        "## Graph",
        "",
        f"- `model.onnx`: {size:,} bytes, {cf.param_count(proto):,} parameters, opset 13.",
        f"- Inputs: {ins}; outputs: {outs}.",
        f"- Ops: {', '.join(f'{k} x{v}' for k, v in ops.items())}.",
        "- Oracle: `oracle/test_data_set_0/input_0.pb` = the first 2 evaluation scenes normalised "
        f"[2,1,128,128], `output_0.pb` = PyTorch's raw output [2,45,8,8]; the ONNX interpreter "
        f"reproduces it to max|err| {err:.1e}.",
        "- Samples: `weights/samples/scene-0.png`, `scene-1.png` are evaluation scenes 0 and 1.",
        "",
    ]
    with open(os.path.join(args.out, "PROVENANCE.md"), "w") as f:
        f.write("\n".join(lines))
    cf.log(f"wrote {args.out} ({size:,} bytes model), {clock.describe()}")
    cf.log(f"ops {ops}; inputs {ins}; outputs {outs}")


if __name__ == "__main__":
    main()
