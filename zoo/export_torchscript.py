#!/usr/bin/python3
"""Export each zoo model's TorchScript (the PyTorch *source* model that nndelta's `pytorch`
framework runs) from the same trained weights as its ONNX file.

    /usr/bin/python3 zoo/export_torchscript.py            # every model in the zoo
    /usr/bin/python3 zoo/export_torchscript.py resnet     # one model

The zoo keeps only ONNX files, so the weights come from there: the architecture is rebuilt from
train.py, each Conv that the ONNX export had fused with its BatchNorm is fused the same way in
PyTorch (the BatchNorm becomes Identity), and every ONNX initializer is copied into the PyTorch
parameter or buffer it came from. Initializers are matched by position: the rebuilt model is
exported to ONNX again (in memory) and its graph must have the same ops, node by node, as the
zoo file. After loading, a second export must reproduce every zoo initializer bit for bit, or
the script stops. The module is then traced (eval mode) and saved as <name>.torchscript (train.py's <name>.pt is its state dict).
"""
import io
import os
import sys

import numpy as np
import onnx
import onnx.numpy_helper
import torch
import torch.nn as nn
from torch.nn.utils.fusion import fuse_conv_bn_eval

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import train  # noqa: E402  (the zoo's own architectures)

MAX_BYTES = 2 * 1024 * 1024


def fuse_conv_bn(model):
    """Fuses every BatchNorm2d that directly consumes a Conv2d's output, as the ONNX export's
    constant folding did. Pairs are found by running the model once with hooks."""
    produced_by = {}
    alive = []  # keeps every output alive, so that no id() is reused during the run
    pairs = []

    def conv_hook(module, _inputs, output):
        produced_by[id(output)] = module
        alive.append(output)

    def bn_hook(module, inputs, output):
        alive.append(output)
        conv = produced_by.get(id(inputs[0]))
        if conv is not None:
            pairs.append((conv, module))

    handles = []
    for m in model.modules():
        if isinstance(m, nn.Conv2d):
            handles.append(m.register_forward_hook(conv_hook))
        elif isinstance(m, nn.BatchNorm2d):
            handles.append(m.register_forward_hook(bn_hook))
    with torch.no_grad():
        model(torch.zeros(1, 1, 28, 28))
    for h in handles:
        h.remove()

    parent_of = {}
    for pname, parent in model.named_modules():
        for cname, child in parent.named_children():
            parent_of[id(child)] = (parent, cname)
    for conv, bn in pairs:
        parent, name = parent_of[id(conv)]
        setattr(parent, name, fuse_conv_bn_eval(conv, bn))
        parent, name = parent_of[id(bn)]
        setattr(parent, name, nn.Identity())
    return len(pairs)


def export_onnx(model):
    buf = io.BytesIO()
    torch.onnx.export(model, torch.zeros(1, 1, 28, 28), buf, opset_version=train.OPSET,
                      input_names=["input"], output_names=["logits"], do_constant_folding=True,
                      training=torch.onnx.TrainingMode.EVAL)
    return onnx.load_from_string(buf.getvalue())


def initializer_uses(m):
    """(node index, input position) -> initializer array, for every initializer input."""
    inits = {t.name: onnx.numpy_helper.to_array(t) for t in m.graph.initializer}
    uses = {}
    for i, node in enumerate(m.graph.node):
        for k, name in enumerate(node.input):
            if name in inits:
                uses[(i, k)] = (name, inits[name])
    return uses


def check_same_ops(name, zoo, rebuilt):
    a = [n.op_type for n in zoo.graph.node]
    b = [n.op_type for n in rebuilt.graph.node]
    if a != b:
        raise SystemExit(f"{name}: the rebuilt model's graph differs from zoo/{name}.onnx\n"
                         f"  zoo:     {a}\n  rebuilt: {b}")


def export(name):
    zoo = onnx.load(os.path.join(HERE, f"{name}.onnx"))
    torch.manual_seed(0)
    model = train.MODELS[name][0]().eval()
    fused = fuse_conv_bn(model)
    # Distinct values everywhere: the exporter turns initializers of equal value into one
    # initializer plus Identity nodes, which would break the node-by-node match.
    with torch.no_grad():
        for t in model.state_dict().values():
            if t.is_floating_point():
                t.copy_(torch.rand_like(t) + 0.5)

    rebuilt = export_onnx(model)
    check_same_ops(name, zoo, rebuilt)
    state = model.state_dict()
    zoo_uses, rebuilt_uses = initializer_uses(zoo), initializer_uses(rebuilt)
    if zoo_uses.keys() != rebuilt_uses.keys():
        raise SystemExit(f"{name}: initializers sit at different node inputs")
    loaded = set()
    for key, (zoo_name, value) in zoo_uses.items():
        target = rebuilt_uses[key][0]
        if target not in state:
            raise SystemExit(f"{name}: ONNX initializer '{zoo_name}' maps to '{target}', "
                             "which is no parameter or buffer of the rebuilt model")
        if tuple(state[target].shape) != value.shape:
            raise SystemExit(f"{name}: '{target}' has shape {tuple(state[target].shape)}, "
                             f"zoo initializer '{zoo_name}' {value.shape}")
        state[target] = torch.from_numpy(value.copy())
        loaded.add(target)
    model.load_state_dict(state)
    model.eval()

    # Exactness: exporting the loaded model must give the zoo's initializers bit for bit.
    again = initializer_uses(export_onnx(model))
    for key, (zoo_name, value) in zoo_uses.items():
        if not np.array_equal(again[key][1].view(np.uint8), value.view(np.uint8)):
            raise SystemExit(f"{name}: initializer '{zoo_name}' differs after loading")

    with torch.no_grad():
        traced = torch.jit.trace(model, torch.zeros(1, 1, 28, 28))
    path = os.path.join(HERE, f"{name}.torchscript")
    traced.save(path)
    size = os.path.getsize(path)
    if size > MAX_BYTES:
        raise SystemExit(f"{name}: {path} is {size} bytes (> 2 MiB)")

    # A sanity check in Python; the agreement with the ONNX model on 1,000 test images is
    # asserted by tests/unit/pytorch_backend_test.cc (against torch) and tests/agreement (ref).
    x, _ = train.load_split("t10k")
    x = train.normalise(x[:8])
    with torch.no_grad():
        a = model(x)
        b = torch.jit.load(path)(x)
    if not torch.equal(a, b):
        raise SystemExit(f"{name}: the saved TorchScript does not reproduce the module")
    print(f"{name}: {path} ({size} bytes), {len(loaded)} tensors loaded from ONNX, "
          f"{fused} Conv+BatchNorm pairs fused")


def main():
    names = sys.argv[1:] or list(train.MODELS)
    for name in names:
        if name not in train.MODELS:
            raise SystemExit(f"unknown zoo model '{name}' (known: {', '.join(train.MODELS)})")
        export(name)


if __name__ == "__main__":
    main()
