#!/usr/bin/python3
"""Export full-size torchvision ImageNet architectures with RANDOM weights to ONNX opset 13.

    /usr/bin/python3 zoo/export_imagenet.py                        # all four into cache/imagenet
    /usr/bin/python3 zoo/export_imagenet.py --model mobilenetv2 --out /tmp/imagenet

Models: mobilenetv2, resnet50, densenet121, inceptionv3 (torchvision, weights=None). Nothing
is ever downloaded: weights=None, and torch.hub's download entry points are replaced by a
function that raises. These models are for timing and cross-framework/cross-device
comparison at realistic size; their labels are meaningless ("class_0".."class_999").

Random-weight networks in eval mode use BatchNorm running statistics that were never
estimated (mean 0, var 1), so activations drift by orders of magnitude through 50+ layers.
We therefore *calibrate*: run a few batches of random smooth images in train mode with
momentum=None (cumulative average), so the running statistics equal the statistics of the
calibration data, then switch to eval. Finally the classifier bias is shifted so that the mean
logit vector over the calibration images is zero (a random ResNet-50 otherwise predicts the
same class for every input) and the classifier is rescaled so that the logits have unit
standard deviation on the calibration data (torchvision initialises it with std 0.01, which
leaves logits ~1e-2 and top-1 decided by near-ties).

Each model gets <out>/<name>.onnx and a model card <out>/<name>.toml. The output folder
defaults to cache/imagenet under the repository root (git-ignored; never commit these).
"""
import argparse
import os
import sys
import time

import torch
import torch.nn as nn
import torch.nn.functional as F
import torchvision

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(HERE)
sys.path.insert(0, HERE)
from train import ALLOWED_OPS, OPSET, onnx_ops, toml_str  # noqa: E402

IMAGENET_MEAN = [0.485, 0.456, 0.406]
IMAGENET_STD = [0.229, 0.224, 0.225]


def _no_download(*args, **kwargs):
    raise RuntimeError("export_imagenet.py must never download anything")


torch.hub.load_state_dict_from_url = _no_download
torch.hub.download_url_to_file = _no_download


def _inception():
    return torchvision.models.inception_v3(weights=None, aux_logits=False, init_weights=True)


# name -> (constructor, family, input size, resize, description)
MODELS = {
    "mobilenetv2": (lambda: torchvision.models.mobilenet_v2(weights=None), "MobileNetV2", 224,
                    256, "torchvision MobileNetV2 (1.0x, 3.5M parameters), random weights, "
                         "BatchNorm calibrated on random images"),
    "resnet50": (lambda: torchvision.models.resnet50(weights=None), "ResNet", 224, 256,
                 "torchvision ResNet-50 (bottleneck blocks, 25.6M parameters), random weights, "
                 "BatchNorm calibrated on random images"),
    "densenet121": (lambda: torchvision.models.densenet121(weights=None), "DenseNet", 224, 256,
                    "torchvision DenseNet-121 (8.0M parameters), random weights, BatchNorm "
                    "calibrated on random images"),
    "inceptionv3": (_inception, "InceptionV3", 299, 342,
                    "torchvision Inception-v3 without the auxiliary classifier (23.8M "
                    "parameters), random weights, BatchNorm calibrated on random images"),
}


def random_images(n, size, gen):
    """Smooth random RGB images in [0,1] (low-resolution noise, upsampled, plus fine noise),
    normalised with the ImageNet mean/std like real inputs."""
    low = torch.rand(n, 3, 7, 7, generator=gen)
    img = F.interpolate(low, size=(size, size), mode="bilinear", align_corners=False)
    img = (img + 0.1 * torch.randn(n, 3, size, size, generator=gen)).clamp(0, 1)
    mean = torch.tensor(IMAGENET_MEAN).view(1, 3, 1, 1)
    std = torch.tensor(IMAGENET_STD).view(1, 3, 1, 1)
    return (img - mean) / std


def last_linear(model):
    linears = [m for m in model.modules() if isinstance(m, nn.Linear)]
    return linears[-1]


@torch.no_grad()
def calibrate(model, size, batches, batch_size, gen, log):
    for m in model.modules():
        if isinstance(m, nn.modules.batchnorm._BatchNorm):
            m.reset_running_stats()
            m.momentum = None            # cumulative moving average over all batches
    model.train()
    data = [random_images(batch_size, size, gen) for _ in range(batches)]
    for i, x in enumerate(data):
        model(x.contiguous(memory_format=torch.channels_last))
    model.eval()
    logits = torch.cat([model(x.contiguous(memory_format=torch.channels_last)) for x in data])
    # Random deep nets map every input to nearly the same logit vector (a large common
    # component); subtract it via the bias so that top-1 depends on the input, then scale.
    fc = last_linear(model)
    common = logits.mean(0)
    fc.bias.sub_(common)
    logits = logits - common
    std = logits.std().item()
    fc.weight.mul_(1.0 / std)
    fc.bias.mul_(1.0 / std)
    logits = logits / std
    fresh = model(random_images(batch_size, size, gen).contiguous(memory_format=torch.channels_last))
    top1 = fresh.argmax(1)
    log(f"  calibrated on {batches}x{batch_size} random images; logits centred (common "
        f"component norm {common.norm():.3g}) and scaled by 1/{std:.4g}; on {len(top1)} fresh "
        f"images: logit std {fresh.std():.3f}, {len(set(top1.tolist()))} distinct top-1 classes")


def write_card(path, name, family, desc, size, resize, seed, nparams, batches, batch_size):
    labels = ", ".join(toml_str(f"class_{i}") for i in range(1000))
    text = f"""# Model card: how nndelta feeds this model and reads its outputs.
name = {toml_str(name)}
family = {toml_str(family)}
description = {toml_str(desc)}
input = "input"          # ONNX input name
output = "logits"        # ONNX output name
layout = "NCHW"
height = {size}
width = {size}
channels = 3             # 1 = grayscale, 3 = colour
channel_order = "RGB"    # for 3-channel models
resize = {resize}             # shorter side is resized to this, then centre-cropped to height x width
scale = 0.00392156862745098  # pixel values (0..255) are multiplied by this first
mean = [{", ".join(str(v) for v in IMAGENET_MEAN)}]
std = [{", ".join(str(v) for v in IMAGENET_STD)}]
label_offset = 0         # index of the first label in the output vector
labels = [{labels}]
[training]               # provenance: random weights, not trained (labels are meaningless)
epochs = 0
seed = {seed}
parameters = {nparams}
weights = "random (torchvision weights=None)"
calibration = "BatchNorm statistics from {batches}x{batch_size} random smooth images; logits centred and scaled to unit std"
"""
    with open(path, "w") as f:
        f.write(text)


def export_one(name, out, seed, batches, batch_size, log):
    import onnx
    ctor, family, size, resize, desc = MODELS[name]
    torch.manual_seed(seed)
    t0 = time.time()
    model = ctor().to(memory_format=torch.channels_last)
    nparams = sum(p.numel() for p in model.parameters())
    gen = torch.Generator().manual_seed(seed + 1)
    calibrate(model, size, batches, batch_size, gen, log)
    model = model.to(memory_format=torch.contiguous_format).eval()
    path = os.path.join(out, f"{name}.onnx")
    torch.onnx.export(model, torch.zeros(1, 3, size, size), path, opset_version=OPSET,
                      input_names=["input"], output_names=["logits"], do_constant_folding=True,
                      training=torch.onnx.TrainingMode.EVAL)
    onnx.checker.check_model(path, full_check=True)
    ops = onnx_ops(path)
    bad = sorted(set(ops) - ALLOWED_OPS)
    if bad:
        raise SystemExit(f"{name}: exported graph uses ops outside the allowed set: {bad}")
    write_card(os.path.join(out, f"{name}.toml"), name, family, desc, size, resize, seed,
               nparams, batches, batch_size)
    log(f"{name}: {nparams} parameters, {path} ({os.path.getsize(path)} bytes) in "
        f"{time.time() - t0:.0f} s; ops: " + ", ".join(f"{k} x{v}" for k, v in sorted(ops.items())))


def main():
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--model", choices=sorted(MODELS), action="append",
                    help="model to export (repeatable; default: all four)")
    ap.add_argument("--out", default=os.path.join(REPO, "cache", "imagenet"))
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--calib-batches", type=int, default=4)
    ap.add_argument("--calib-batch-size", type=int, default=8)
    ap.add_argument("--threads", type=int, default=1)
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    os.makedirs(args.out, exist_ok=True)
    for name in args.model or list(MODELS):
        export_one(name, args.out, args.seed, args.calib_batches, args.calib_batch_size,
                   lambda msg: print(msg, flush=True))


if __name__ == "__main__":
    main()
