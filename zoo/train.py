#!/usr/bin/python3
"""Train the nndelta model zoo: seven small Fashion-MNIST classifiers, one per
architecture family studied by DeltaNN/MutateNN, exported to ONNX opset 13.

    /usr/bin/python3 zoo/train.py --all                 # train + export all seven
    /usr/bin/python3 zoo/train.py --model resnet        # one model
    /usr/bin/python3 zoo/train.py --model resnet --epochs 2
    /usr/bin/python3 zoo/train.py --model resnet --export-only   # re-export zoo/resnet.pt

Outputs (beside this file): <name>.onnx, <name>.toml (model card), logs/<name>.log,
logs/<name>.json (training provenance), and <name>.pt (state dict, git-ignored is up to
the lead; small). Everything is deterministic for a given seed on a given machine.
"""
import argparse
import gzip
import json
import os
import random
import sys
import time

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

HERE = os.path.dirname(os.path.abspath(__file__))
DATA_DIR = "/usr/share/datasets/fashion-mnist"
MEAN, STD = 0.2860, 0.3530
LABELS = ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
          "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"]
OPSET = 13

# The ops nndelta's reference interpreter implements; export fails if any other appears.
ALLOWED_OPS = set("""Conv ConvTranspose Gemm MatMul BatchNormalization Relu LeakyRelu PRelu Clip
Sigmoid HardSigmoid HardSwish Tanh Add Sub Mul Div Sum Max Min Pow Sqrt Exp Erf Neg Abs Concat
Split Slice Gather Shape Cast Constant Identity Dropout Flatten Reshape Transpose Squeeze
Unsqueeze MaxPool AveragePool GlobalAveragePool GlobalMaxPool LRN Pad Softmax ReduceMean Resize
InstanceNormalization Where Greater Less Equal""".split())


# ----------------------------------------------------------------------------- data

def read_idx(path):
    with gzip.open(path, "rb") as f:
        data = f.read()
    magic = int.from_bytes(data[0:4], "big")
    ndim = magic & 0xFF
    dims = [int.from_bytes(data[4 + 4 * i: 8 + 4 * i], "big") for i in range(ndim)]
    return np.frombuffer(data, dtype=np.uint8, offset=4 + 4 * ndim).reshape(dims)


def load_split(split):
    x = read_idx(os.path.join(DATA_DIR, f"{split}-images-idx3-ubyte.gz"))
    y = read_idx(os.path.join(DATA_DIR, f"{split}-labels-idx1-ubyte.gz"))
    return torch.from_numpy(x.copy()).unsqueeze(1), torch.from_numpy(y.astype(np.int64))


def normalise(x_u8):
    """uint8 NCHW pixels -> the model input: x/255, then (x - mean)/std (as in the card)."""
    return (x_u8.float() * (1.0 / 255.0) - MEAN) / STD


def augment(x_u8, rng, pad=1, flip=True):
    """Random crop with zero padding (zero = background) and horizontal flip, on uint8."""
    n = x_u8.shape[0]
    padded = F.pad(x_u8, (pad, pad, pad, pad))
    offs = rng.integers(0, 2 * pad + 1, size=(n, 2))
    out = torch.empty_like(x_u8)
    for i in range(n):
        dy, dx = int(offs[i, 0]), int(offs[i, 1])
        out[i] = padded[i, :, dy:dy + 28, dx:dx + 28]
    if flip:
        mask = torch.from_numpy(rng.random(n) < 0.5)
        out[mask] = out[mask].flip(3)
    return out


# ----------------------------------------------------------------------------- building blocks

def conv_bn(cin, cout, k=3, s=1, groups=1, act="relu"):
    layers = [nn.Conv2d(cin, cout, k, s, k // 2, groups=groups, bias=False), nn.BatchNorm2d(cout)]
    if act == "relu":
        layers.append(nn.ReLU(inplace=True))
    elif act == "relu6":
        layers.append(nn.ReLU6(inplace=True))
    return nn.Sequential(*layers)


class InvertedResidual(nn.Module):
    """MobileNetV2 / EfficientNet-lite MBConv block (no squeeze-excitation): 1x1 expand,
    kxk depthwise, 1x1 linear projection; residual add when shapes match."""

    def __init__(self, cin, cout, stride, expand, k=3):
        super().__init__()
        hidden = cin * expand
        layers = []
        if expand != 1:
            layers.append(conv_bn(cin, hidden, 1, act="relu6"))
        layers += [conv_bn(hidden, hidden, k, stride, groups=hidden, act="relu6"),
                   conv_bn(hidden, cout, 1, act=None)]
        self.body = nn.Sequential(*layers)
        self.residual = stride == 1 and cin == cout

    def forward(self, x):
        y = self.body(x)
        return x + y if self.residual else y


def mbconv_net(stem, cfg, head, dropout, num_classes=10):
    """cfg rows: (expand t, channels c, repeats n, first stride s, kernel k).
    The 3x3 stem has stride 2 (28 -> 14), as in the ImageNet originals."""
    layers = [conv_bn(1, stem, 3, 2, act="relu6")]
    cin = stem
    for t, c, n, s, k in cfg:
        for i in range(n):
            layers.append(InvertedResidual(cin, c, s if i == 0 else 1, t, k))
            cin = c
    layers.append(conv_bn(cin, head, 1, act="relu6"))
    return nn.Sequential(*layers, nn.AdaptiveAvgPool2d(1), nn.Flatten(),
                         nn.Dropout(dropout), nn.Linear(head, num_classes))


# ----------------------------------------------------------------------------- MobileNetV2

def mobilenetv2():
    # stem 28 -> 14; stages at 14, 14, 7, 7, 4
    cfg = [(1, 16, 1, 1, 3), (6, 24, 2, 1, 3), (6, 32, 2, 2, 3), (6, 40, 1, 1, 3), (6, 48, 1, 2, 3)]
    return mbconv_net(16, cfg, 128, 0.1)


# ----------------------------------------------------------------------------- EfficientNet-lite

def efficientnet():
    # EfficientNet-lite: MBConv without SE, ReLU6, mixed 3x3/5x5 depthwise kernels.
    # stem 28 -> 14; stages at 14, 14, 7, 7, 4
    cfg = [(1, 16, 1, 1, 3), (6, 24, 2, 1, 3), (6, 40, 2, 2, 5), (6, 64, 2, 1, 3), (6, 80, 1, 2, 5)]
    return mbconv_net(24, cfg, 256, 0.2)


# ----------------------------------------------------------------------------- ResNet

class BasicBlock(nn.Module):
    def __init__(self, cin, cout, stride):
        super().__init__()
        self.conv1 = nn.Conv2d(cin, cout, 3, stride, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(cout)
        self.conv2 = nn.Conv2d(cout, cout, 3, 1, 1, bias=False)
        self.bn2 = nn.BatchNorm2d(cout)
        self.shortcut = None
        if stride != 1 or cin != cout:
            self.shortcut = nn.Sequential(nn.Conv2d(cin, cout, 1, stride, bias=False),
                                          nn.BatchNorm2d(cout))

    def forward(self, x):
        y = F.relu(self.bn1(self.conv1(x)))
        y = self.bn2(self.conv2(y))
        s = x if self.shortcut is None else self.shortcut(x)
        return F.relu(y + s)


class ResNet(nn.Module):
    def __init__(self, widths=(16, 32, 64), blocks=(2, 2, 2), num_classes=10):
        super().__init__()
        self.stem = conv_bn(1, widths[0], 3, 1)
        layers, cin = [], widths[0]
        for i, (w, n) in enumerate(zip(widths, blocks)):
            for j in range(n):
                layers.append(BasicBlock(cin, w, 2 if (j == 0 and i > 0) else 1))
                cin = w
        self.layers = nn.Sequential(*layers)
        self.fc = nn.Linear(cin, num_classes)

    def forward(self, x):
        x = self.layers(self.stem(x))
        return self.fc(torch.flatten(F.adaptive_avg_pool2d(x, 1), 1))


def resnet():
    return ResNet()


# ----------------------------------------------------------------------------- DenseNet

class DenseLayer(nn.Module):
    """BN-ReLU-Conv1x1(bottleneck) - BN-ReLU-Conv3x3(growth), output concatenated to input."""

    def __init__(self, cin, growth, bn_size=4):
        super().__init__()
        self.bn1 = nn.BatchNorm2d(cin)
        self.conv1 = nn.Conv2d(cin, bn_size * growth, 1, bias=False)
        self.bn2 = nn.BatchNorm2d(bn_size * growth)
        self.conv2 = nn.Conv2d(bn_size * growth, growth, 3, 1, 1, bias=False)

    def forward(self, x):
        y = self.conv1(F.relu(self.bn1(x)))
        y = self.conv2(F.relu(self.bn2(y)))
        return torch.cat([x, y], 1)


class Transition(nn.Sequential):
    def __init__(self, cin, cout):
        super().__init__(nn.BatchNorm2d(cin), nn.ReLU(inplace=True),
                         nn.Conv2d(cin, cout, 1, bias=False), nn.AvgPool2d(2))


class DenseNet(nn.Module):
    def __init__(self, growth=12, blocks=(4, 4, 4), stem=24, num_classes=10):
        super().__init__()
        layers = [nn.Conv2d(1, stem, 3, 1, 1, bias=False), nn.BatchNorm2d(stem),
                  nn.ReLU(inplace=True), nn.MaxPool2d(2)]                    # 28 -> 14
        c = stem
        for i, n in enumerate(blocks):
            for _ in range(n):
                layers.append(DenseLayer(c, growth))
                c += growth
            if i != len(blocks) - 1:
                layers.append(Transition(c, c // 2))
                c //= 2
        layers += [nn.BatchNorm2d(c), nn.ReLU(inplace=True)]
        self.features = nn.Sequential(*layers)
        self.fc = nn.Linear(c, num_classes)

    def forward(self, x):
        x = self.features(x)
        return self.fc(torch.flatten(F.adaptive_avg_pool2d(x, 1), 1))


def densenet():
    return DenseNet()


# ----------------------------------------------------------------------------- Inception

class InceptionA(nn.Module):
    """1x1 | 1x1->3x3 | 1x1->3x3->3x3 (factorised 5x5) | avgpool3x3->1x1, concatenated."""

    def __init__(self, cin, b1, b3r, b3, b5r, b5, bp):
        super().__init__()
        self.b1 = conv_bn(cin, b1, 1)
        self.b3 = nn.Sequential(conv_bn(cin, b3r, 1), conv_bn(b3r, b3, 3))
        self.b5 = nn.Sequential(conv_bn(cin, b5r, 1), conv_bn(b5r, b5, 3), conv_bn(b5, b5, 3))
        self.bp = nn.Sequential(nn.AvgPool2d(3, 1, 1), conv_bn(cin, bp, 1))
        self.cout = b1 + b3 + b5 + bp

    def forward(self, x):
        return torch.cat([self.b1(x), self.b3(x), self.b5(x), self.bp(x)], 1)


class ReductionA(nn.Module):
    """Grid reduction: 3x3/s2 conv | 1x1->3x3->3x3/s2 | maxpool 3x3/s2, concatenated."""

    def __init__(self, cin, b3, b5r, b5):
        super().__init__()
        self.b3 = conv_bn(cin, b3, 3, 2)
        self.b5 = nn.Sequential(conv_bn(cin, b5r, 1), conv_bn(b5r, b5, 3), conv_bn(b5, b5, 3, 2))
        self.pool = nn.MaxPool2d(3, 2, 1)
        self.cout = b3 + b5 + cin

    def forward(self, x):
        return torch.cat([self.b3(x), self.b5(x), self.pool(x)], 1)


def conv_bn_rect(cin, cout, kh, kw):
    return nn.Sequential(nn.Conv2d(cin, cout, (kh, kw), 1, (kh // 2, kw // 2), bias=False),
                         nn.BatchNorm2d(cout), nn.ReLU(inplace=True))


class InceptionC(nn.Module):
    """InceptionV3 'C'-style: asymmetric 1x3 / 3x1 factorised branches."""

    def __init__(self, cin, b1, b3r, b3, bdr, bd, bp):
        super().__init__()
        self.b1 = conv_bn(cin, b1, 1)
        self.b3 = nn.Sequential(conv_bn(cin, b3r, 1), conv_bn_rect(b3r, b3, 1, 3),
                                conv_bn_rect(b3, b3, 3, 1))
        self.bd = nn.Sequential(conv_bn(cin, bdr, 1), conv_bn(bdr, bd, 3))
        self.bd_a = conv_bn_rect(bd, bd // 2, 1, 3)
        self.bd_b = conv_bn_rect(bd, bd // 2, 3, 1)
        self.bp = nn.Sequential(nn.AvgPool2d(3, 1, 1), conv_bn(cin, bp, 1))
        self.cout = b1 + b3 + bd + bp

    def forward(self, x):
        d = self.bd(x)
        return torch.cat([self.b1(x), self.b3(x), self.bd_a(d), self.bd_b(d), self.bp(x)], 1)


class Inception(nn.Module):
    def __init__(self, num_classes=10):
        super().__init__()
        self.stem = nn.Sequential(conv_bn(1, 32, 3), nn.MaxPool2d(2))        # 28 -> 14
        a1 = InceptionA(32, 16, 16, 24, 8, 12, 12)                           # 64 ch
        a2 = InceptionA(a1.cout, 24, 24, 32, 12, 16, 16)                     # 88 ch
        r = ReductionA(a2.cout, 48, 16, 24)                                  # 160 ch, 14 -> 7
        c1 = InceptionC(r.cout, 32, 24, 32, 24, 32, 32)                      # 128 ch
        self.blocks = nn.Sequential(a1, a2, r, c1)
        self.dropout = nn.Dropout(0.2)
        self.fc = nn.Linear(c1.cout, num_classes)

    def forward(self, x):
        x = self.blocks(self.stem(x))
        return self.fc(self.dropout(torch.flatten(F.adaptive_avg_pool2d(x, 1), 1)))


def inception():
    return Inception()


# ----------------------------------------------------------------------------- ShuffleNetV2

def channel_shuffle(x, groups):
    n, c, h, w = x.shape
    x = x.reshape(n, groups, c // groups, h, w)
    x = x.transpose(1, 2).contiguous()
    return x.reshape(n, c, h, w)


class ShuffleUnit(nn.Module):
    def __init__(self, cin, cout, stride):
        super().__init__()
        self.stride = stride
        mid = cout // 2
        if stride == 1:
            assert cin == cout
            bin_ = cin // 2
            self.half = bin_
            self.branch1 = None
        else:
            bin_ = cin
            self.branch1 = nn.Sequential(conv_bn(cin, cin, 3, stride, groups=cin, act=None),
                                         conv_bn(cin, mid, 1))
        self.branch2 = nn.Sequential(conv_bn(bin_, mid, 1),
                                     conv_bn(mid, mid, 3, stride, groups=mid, act=None),
                                     conv_bn(mid, mid, 1))

    def forward(self, x):
        if self.stride == 1:
            # python-int sizes (not x.shape) so that the export is a single static Split
            x1, x2 = torch.split(x, [self.half, self.half], dim=1)
            out = torch.cat([x1, self.branch2(x2)], 1)
        else:
            out = torch.cat([self.branch1(x), self.branch2(x)], 1)
        return channel_shuffle(out, 2)


class ShuffleNetV2(nn.Module):
    def __init__(self, stages=(48, 96, 192), repeats=(3, 4, 3), stem=24, last=512,
                 num_classes=10):
        super().__init__()
        self.stem = conv_bn(1, stem, 3, 1)                                   # 28
        layers, cin = [], stem
        for c, n in zip(stages, repeats):                                    # 14, 7, 4
            layers.append(ShuffleUnit(cin, c, 2))
            layers += [ShuffleUnit(c, c, 1) for _ in range(n - 1)]
            cin = c
        self.stages = nn.Sequential(*layers)
        self.conv_last = conv_bn(cin, last, 1)
        self.fc = nn.Linear(last, num_classes)

    def forward(self, x):
        x = self.conv_last(self.stages(self.stem(x)))
        return self.fc(torch.flatten(F.adaptive_avg_pool2d(x, 1), 1))


def shufflenet():
    return ShuffleNetV2()


# ----------------------------------------------------------------------------- AlexNet

class _LRNFunction(torch.autograd.Function):
    """F.local_response_norm, exported as a single ONNX LRN node (torch would otherwise
    decompose it into Pad/AveragePool/Pow/Div). Semantics are identical for odd sizes:
    y = x / (k + alpha/size * sum_window(x^2))^beta."""

    @staticmethod
    def forward(ctx, x, size, alpha, beta, k):
        return F.local_response_norm(x, size, alpha, beta, k)

    @staticmethod
    def symbolic(g, x, size, alpha, beta, k):
        return g.op("LRN", x, size_i=size, alpha_f=alpha, beta_f=beta, bias_f=k)


class LRN(nn.LocalResponseNorm):
    def forward(self, x):
        if torch.onnx.is_in_onnx_export():
            return _LRNFunction.apply(x, self.size, self.alpha, self.beta, self.k)
        return super().forward(x)


class AlexNet(nn.Module):
    def __init__(self, num_classes=10):
        super().__init__()
        self.features = nn.Sequential(
            nn.Conv2d(1, 32, 5, 1, 2), nn.ReLU(inplace=True),
            nn.MaxPool2d(2), LRN(5, 1e-4, 0.75, 2.0),                        # 14
            nn.Conv2d(32, 96, 3, 1, 1), nn.ReLU(inplace=True),
            nn.MaxPool2d(2), LRN(5, 1e-4, 0.75, 2.0),                        # 7
            nn.Conv2d(96, 96, 3, 1, 1), nn.ReLU(inplace=True),
            nn.Conv2d(96, 64, 3, 1, 1), nn.ReLU(inplace=True),
            nn.MaxPool2d(3, 2),                                              # 3
        )
        self.classifier = nn.Sequential(
            nn.Dropout(0.5), nn.Linear(64 * 3 * 3, 256), nn.ReLU(inplace=True),
            nn.Dropout(0.5), nn.Linear(256, 128), nn.ReLU(inplace=True),
            nn.Linear(128, num_classes))

    def forward(self, x):
        return self.classifier(torch.flatten(self.features(x), 1))


def alexnet():
    return AlexNet()


# ----------------------------------------------------------------------------- registry

# name -> (constructor, family, description, default epochs, peak lr, weight decay)
MODELS = {
    "mobilenetv2": (mobilenetv2, "MobileNetV2",
                    "MobileNetV2-style: 3x3/s2 stem, 7 inverted-residual blocks (1x1 expand x6, "
                    "3x3 depthwise, linear 1x1 projection, residual Add), ReLU6 (Clip), "
                    "1x1 head, global average pool, Linear", 3, 4e-3, 1e-4),
    "resnet": (resnet, "ResNet",
               "ResNet-14-style: 3x3 stem, 3 stages x 2 basic blocks (16/32/64 ch, two 3x3 convs, "
               "residual Add, 1x1 projection shortcut on downsampling), global average pool, Linear",
               4, 4e-3, 1e-4),
    "densenet": (densenet, "DenseNet",
                 "DenseNet-BC-style: 3x3 stem + MaxPool, 3 dense blocks (4 layers each, growth 12, "
                 "BN-ReLU-1x1-BN-ReLU-3x3, Concat), transitions (1x1 compress 0.5, AvgPool 2x2), "
                 "global average pool, Linear", 4, 4e-3, 1e-4),
    "inception": (inception, "InceptionV3",
                  "InceptionV3-style: 3x3 stem + MaxPool, 2 Inception-A modules (1x1 | 3x3 | "
                  "factorised 5x5 | AvgPool->1x1, Concat), grid reduction (3x3/s2 | 3x3/s2 | "
                  "MaxPool, Concat), Inception-C module (1x3/3x1 branches), GAP, Linear",
                  4, 4e-3, 1e-4),
    "shufflenet": (shufflenet, "ShuffleNetV2",
                   "ShuffleNetV2-style: 3x3 stem, 3 stages (48/96/192 ch) of units with channel "
                   "split (Split), depthwise 3x3, Concat and channel shuffle (Reshape-Transpose-"
                   "Reshape), 1x1 conv 512, global average pool, Linear", 4, 4e-3, 1e-4),
    "alexnet": (alexnet, "AlexNet",
                "AlexNet-style: 4 plain conv layers (5x5, 3x3 x3) with ReLU, MaxPool, LRN after "
                "the first two pools, then 3 Linear layers with Dropout; no batch norm",
                10, 1e-3, 1e-4),
    "efficientnet": (efficientnet, "EfficientNet",
                     "EfficientNet-lite-style: 3x3/s2 stem, 8 MBConv blocks without squeeze-"
                     "excitation (expand x6, 3x3 and 5x5 depthwise, linear projection, residual "
                     "Add), ReLU6 (Clip), 1x1 head, global average pool, Dropout, Linear",
                     3, 4e-3, 1e-4),
}


def set_seed(seed):
    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)


def count_params(model):
    return sum(p.numel() for p in model.parameters())


@torch.no_grad()
def evaluate(model, x_u8, y, batch=500):
    model.eval()
    correct = 0
    for i in range(0, len(y), batch):
        xb = normalise(x_u8[i:i + batch]).contiguous(memory_format=torch.channels_last)
        out = model(xb)
        correct += (out.argmax(1) == y[i:i + batch]).sum().item()
    return correct / len(y)


class Tee:
    def __init__(self, path):
        self.f = open(path, "w")

    def __call__(self, msg):
        print(msg, flush=True)
        self.f.write(msg + "\n")
        self.f.flush()


def train(name, epochs, seed, batch_size, data, log):
    ctor, family, desc, default_epochs, lr, wd = MODELS[name]
    epochs = epochs or default_epochs
    set_seed(seed)
    model = ctor()
    nparams = count_params(model)
    # channels_last lets oneDNN use its fast NHWC kernels (3-7x faster on this CPU); it
    # changes only the memory layout, never the maths that the ONNX export sees.
    model = model.to(memory_format=torch.channels_last)
    (xtr, ytr), (xte, yte) = data
    log(f"== {name} ({family}): {nparams} parameters, {epochs} epochs, batch {batch_size}, "
        f"lr {lr}, seed {seed}, torch {torch.__version__}, threads {torch.get_num_threads()}")
    rng = np.random.default_rng(seed)
    steps = (len(ytr) + batch_size - 1) // batch_size
    opt = torch.optim.AdamW(model.parameters(), lr=lr, weight_decay=wd)
    sched = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=lr, epochs=epochs,
                                                steps_per_epoch=steps, pct_start=0.25)
    t_start = time.time()
    history = []
    for ep in range(epochs):
        model.train()
        t0 = time.time()
        perm = torch.from_numpy(rng.permutation(len(ytr)))
        tot_loss, tot_correct = 0.0, 0
        for b in range(steps):
            idx = perm[b * batch_size:(b + 1) * batch_size]
            xb = normalise(augment(xtr[idx], rng)).contiguous(memory_format=torch.channels_last)
            yb = ytr[idx]
            out = model(xb)
            loss = F.cross_entropy(out, yb)
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
            sched.step()
            tot_loss += loss.item() * len(idx)
            tot_correct += (out.argmax(1) == yb).sum().item()
        t_train = time.time() - t0
        acc = evaluate(model, xte, yte)
        history.append({"epoch": ep + 1, "train_loss": tot_loss / len(ytr),
                        "train_acc_augmented": tot_correct / len(ytr), "test_acc": acc,
                        "seconds": t_train})
        log(f"{name} epoch {ep + 1}/{epochs}: train loss {tot_loss / len(ytr):.4f} "
            f"train acc (aug) {tot_correct / len(ytr):.4f} test acc {acc:.4f} "
            f"({t_train:.0f} s)")
    train_seconds = time.time() - t_start
    train_acc = evaluate(model, xtr, ytr)
    test_acc = history[-1]["test_acc"]
    log(f"{name}: final train acc {train_acc:.4f} test acc {test_acc:.4f}, "
        f"trained in {train_seconds:.0f} s")
    torch.save(model.state_dict(), os.path.join(HERE, f"{name}.pt"))
    info = {"name": name, "family": family, "epochs": epochs, "seed": seed,
            "batch_size": batch_size, "lr": lr, "weight_decay": wd, "parameters": nparams,
            "train_accuracy_pytorch": train_acc, "test_accuracy_pytorch": test_acc,
            "train_seconds": round(train_seconds, 1), "history": history,
            "torch": torch.__version__, "threads": torch.get_num_threads()}
    with open(os.path.join(HERE, "logs", f"{name}.json"), "w") as f:
        json.dump(info, f, indent=1)
    return model, info


# ----------------------------------------------------------------------------- export

def onnx_ops(path):
    import onnx
    m = onnx.load(path)
    ops = {}
    for node in m.graph.node:
        ops[node.op_type] = ops.get(node.op_type, 0) + 1
    return ops


def export(name, model, info, data, log):
    import onnx
    path = os.path.join(HERE, f"{name}.onnx")
    model = model.to(memory_format=torch.contiguous_format).eval()
    dummy = torch.zeros(1, 1, 28, 28)
    torch.onnx.export(model, dummy, path, opset_version=OPSET, input_names=["input"],
                      output_names=["logits"], do_constant_folding=True,
                      training=torch.onnx.TrainingMode.EVAL)
    m = onnx.load(path)
    onnx.checker.check_model(m, full_check=True)
    ops = onnx_ops(path)
    bad = sorted(set(ops) - ALLOWED_OPS)
    if bad:
        raise SystemExit(f"{name}: exported graph uses ops outside the allowed set: {bad}")
    size = os.path.getsize(path)
    if size > 2 * 1024 * 1024:
        raise SystemExit(f"{name}: {path} is {size} bytes (> 2 MiB)")
    log(f"{name}: exported {path} ({size} bytes), ops: "
        + ", ".join(f"{k} x{v}" for k, v in sorted(ops.items())))
    write_card(name, info)
    info["onnx_bytes"] = size
    info["onnx_ops"] = ops
    with open(os.path.join(HERE, "logs", f"{name}.json"), "w") as f:
        json.dump(info, f, indent=1)


def toml_str(s):
    return json.dumps(s, ensure_ascii=False)


def write_card(name, info):
    family, desc = MODELS[name][1], MODELS[name][2]
    labels = ", ".join(toml_str(l) for l in LABELS)
    text = f"""# Model card: how nndelta feeds this model and reads its outputs.
name = {toml_str(name)}
family = {toml_str(family)}
description = {toml_str(desc)}
input = "input"          # ONNX input name
output = "logits"        # ONNX output name
layout = "NCHW"
height = 28
width = 28
channels = 1             # 1 = grayscale, 3 = colour
channel_order = "RGB"    # for 3-channel models
resize = 28              # shorter side is resized to this, then centre-cropped to height x width
scale = 0.00392156862745098  # pixel values (0..255) are multiplied by this first
mean = [{MEAN:.4f}]
std = [{STD:.4f}]
label_offset = 0         # index of the first label in the output vector
labels = [{labels}]
torchscript = "{name}.torchscript"  # the PyTorch source model (export_torchscript.py)
[training]               # provenance, as reported by train.py (nndelta re-measures accuracy itself)
epochs = {info['epochs']}
seed = {info['seed']}
train_accuracy_pytorch = {info['train_accuracy_pytorch']:.4f}
test_accuracy_pytorch = {info['test_accuracy_pytorch']:.4f}
parameters = {info['parameters']}
"""
    with open(os.path.join(HERE, f"{name}.toml"), "w") as f:
        f.write(text)


def main():
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--model", choices=sorted(MODELS), action="append",
                    help="model to train (repeatable)")
    ap.add_argument("--all", action="store_true", help="train all seven models")
    ap.add_argument("--epochs", type=int, default=0, help="override the per-model epochs")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--batch-size", type=int, default=128)
    ap.add_argument("--threads", type=int, default=1,
                    help="torch threads (default 1: on the shared 2-core machine, 2 OpenMP "
                         "threads ran 2-10x slower than 1 whenever the other core was busy)")
    ap.add_argument("--export-only", action="store_true",
                    help="re-export from zoo/<name>.pt and logs/<name>.json without training")
    ap.add_argument("--params", action="store_true", help="print parameter counts and exit")
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    names = list(MODELS) if args.all else (args.model or [])
    if args.params:
        for n in names or MODELS:
            print(n, count_params(MODELS[n][0]()))
        return
    if not names:
        ap.error("give --model NAME or --all")
    os.makedirs(os.path.join(HERE, "logs"), exist_ok=True)
    data = (load_split("train"), load_split("t10k"))
    for name in names:
        log = Tee(os.path.join(HERE, "logs", f"{name}.log" if not args.export_only
                               else f"{name}.export.log"))
        if args.export_only:
            model = MODELS[name][0]()
            model.load_state_dict(torch.load(os.path.join(HERE, f"{name}.pt")))
            with open(os.path.join(HERE, "logs", f"{name}.json")) as f:
                info = json.load(f)
        else:
            model, info = train(name, args.epochs, args.seed, args.batch_size, data, log)
        export(name, model, info, data, log)


if __name__ == "__main__":
    main()
