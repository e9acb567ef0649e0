#!/usr/bin/python3
"""Check the exported zoo: ONNX checker, allowed op set, file size, I/O names and shapes,
model card contents. With --nndelta BUILD/nndelta also compares the logits of nndelta's ref
interpreter (`nndelta infer --input`) with PyTorch's on a few Fashion-MNIST test images
(needs zoo/<name>.pt from train.py).

    /usr/bin/python3 zoo/check_zoo.py                      # structure only
    /usr/bin/python3 zoo/check_zoo.py --nndelta build/nndelta --images 5
"""
import argparse
import os
import re
import subprocess
import sys
import tempfile
import tomllib

import numpy as np
import onnx
import torch
from onnx import numpy_helper

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import train as T  # noqa: E402

MAX_BYTES = 2 * 1024 * 1024


def check_structure(name):
    path = os.path.join(HERE, f"{name}.onnx")
    m = onnx.load(path)
    onnx.checker.check_model(m, full_check=True)
    ops = T.onnx_ops(path)
    problems = []
    bad = sorted(set(ops) - T.ALLOWED_OPS)
    if bad:
        problems.append(f"ops outside the allowed set: {bad}")
    size = os.path.getsize(path)
    if size > MAX_BYTES:
        problems.append(f"{size} bytes > 2 MiB")
    if m.opset_import[0].version != T.OPSET:
        problems.append(f"opset {m.opset_import[0].version}")
    ins = [i for i in m.graph.input if i.name not in {x.name for x in m.graph.initializer}]
    dims = lambda v: [d.dim_value or d.dim_param for d in v.type.tensor_type.shape.dim]
    if [i.name for i in ins] != ["input"] or dims(ins[0]) != [1, 1, 28, 28]:
        problems.append(f"inputs {[(i.name, dims(i)) for i in ins]}")
    outs = list(m.graph.output)
    if [o.name for o in outs] != ["logits"] or dims(outs[0]) != [1, 10]:
        problems.append(f"outputs {[(o.name, dims(o)) for o in outs]}")
    with open(os.path.join(HERE, f"{name}.toml"), "rb") as f:
        card = tomllib.load(f)
    expect = {"name": name, "input": "input", "output": "logits", "layout": "NCHW",
              "height": 28, "width": 28, "channels": 1, "resize": 28, "mean": [T.MEAN],
              "std": [T.STD], "label_offset": 0, "labels": T.LABELS}
    for k, v in expect.items():
        if card.get(k) != v:
            problems.append(f"card {k} = {card.get(k)!r}, expected {v!r}")
    if abs(card.get("scale", 0) - 1 / 255) > 1e-12:
        problems.append(f"card scale = {card.get('scale')}")
    tr = card.get("training", {})
    for k in ("epochs", "seed", "train_accuracy_pytorch", "test_accuracy_pytorch", "parameters"):
        if k not in tr:
            problems.append(f"card [training] lacks {k}")
    target = 0.88 if name == "alexnet" else 0.90
    if tr.get("test_accuracy_pytorch", 0) < target:
        problems.append(f"test accuracy {tr.get('test_accuracy_pytorch')} < {target}")
    return ops, size, card, problems


def compare_with_nndelta(name, nndelta, images):
    pt = os.path.join(HERE, f"{name}.pt")
    if not os.path.exists(pt):
        return f"skipped ({name}.pt missing: run train.py)"
    model = T.MODELS[name][0]()
    model.load_state_dict(torch.load(pt))
    model.eval()
    x_u8, _ = T.load_split("t10k")
    worst = 0.0
    agree = 0
    with tempfile.TemporaryDirectory() as tmp:
        for i in range(images):
            x = T.normalise(x_u8[i:i + 1])
            with torch.no_grad():
                ref = model(x)[0].numpy()
            f = os.path.join(tmp, "input.pb")
            with open(f, "wb") as fh:
                fh.write(numpy_helper.from_array(x.numpy(), "input").SerializeToString())
            out = subprocess.run([nndelta, "infer", os.path.join(HERE, f"{name}.onnx"),
                                  "--input", f], capture_output=True, text=True)
            if out.returncode != 0:
                return f"nndelta infer failed: {out.stderr.strip()[:300]}"
            scores = {int(c): float(s) for c, s in
                      re.findall(r"class\s+(\d+)\s+score\s+(\S+)", out.stdout)}
            if not scores:
                return f"could not parse nndelta output: {out.stdout[:300]}"
            worst = max(worst, max(abs(ref[c] - s) for c, s in scores.items()))
            agree += int(max(scores, key=scores.get) == int(ref.argmax()))
    return f"top-1 agrees on {agree}/{images} images, max |logit diff| (top-5) {worst:.2e}"


def main():
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--model", choices=sorted(T.MODELS), action="append")
    ap.add_argument("--nndelta", help="path to the nndelta binary for a numeric cross-check")
    ap.add_argument("--images", type=int, default=5)
    args = ap.parse_args()
    failed = False
    for name in args.model or list(T.MODELS):
        if not os.path.exists(os.path.join(HERE, f"{name}.onnx")):
            print(f"{name}: MISSING")
            failed = True
            continue
        ops, size, card, problems = check_structure(name)
        tr = card.get("training", {})
        print(f"{name}: {size} bytes, {tr.get('parameters')} params, test acc "
              f"{tr.get('test_accuracy_pytorch')}, ops: "
              + ", ".join(f"{k} x{v}" for k, v in sorted(ops.items())))
        if args.nndelta:
            print(f"  nndelta ref vs pytorch: {compare_with_nndelta(name, args.nndelta, args.images)}")
        for p in problems:
            print(f"  PROBLEM: {p}")
        failed |= bool(problems)
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
