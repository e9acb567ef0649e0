'use strict';
// What the worker tests share: a test wrapper, reply checks, inputs and expected values.
const assert = require('node:assert/strict');
const fs = require('node:fs');
const nodeTest = require('node:test');
const path = require('node:path');
const zlib = require('node:zlib');
const {float32Tensor} = require('../client');
const {Reply} = require('../protocol');

// A test with a generous time limit (the machine may be loaded), so a worker that stops answering
// fails the test instead of hanging the run.
const test = (name, fn) => nodeTest(name, {timeout: 180_000}, fn);

// Asserts `reply` is of `type`, showing an ERROR's kind and message otherwise.
function expectReply(reply, type) {
  const shown = reply.type === Reply.ERROR ? `ERROR ${reply.kind}: ${reply.message}` : '';
  assert.equal(reply.type, type, shown);
  return reply;
}

const repoRoot = path.join(__dirname, '..', '..', '..');
const zooModel = (name) => fs.readFileSync(path.join(repoRoot, 'zoo', `${name}.onnx`));

// The first Fashion-MNIST test image (label 9, "Ankle boot") preprocessed as zoo/resnet.toml says:
// x = (pixel * scale - mean) / std, every step rounded to float32 as numpy does.
function fashionMnistFirstTestImage() {
  const file = '/usr/share/datasets/fashion-mnist/t10k-images-idx3-ubyte.gz';
  const pixels = zlib.gunzipSync(fs.readFileSync(file)).subarray(16, 16 + 784);
  const f = Math.fround;
  const [scale, mean, std] = [f(0.00392156862745098), f(0.286), f(0.353)];
  const values = Array.from(pixels, (p) => f(f(f(p * scale) - mean) / std));
  return float32Tensor('input', [1, 1, 28, 28], values);
}

// zoo/resnet.onnx's logits for that image from the ref interpreter (double accumulation), made
// once with:
//   /usr/bin/python3 -c 'import gzip,numpy as np; from onnx import numpy_helper as h;
//     p=np.frombuffer(gzip.open("/usr/share/datasets/fashion-mnist/t10k-images-idx3-ubyte.gz")
//     .read(),np.uint8,784,16).astype(np.float32);
//     x=((p*np.float32(0.00392156862745098)-np.float32(0.286))/np.float32(0.353)).reshape(1,1,28,28);
//     open("in.pb","wb").write(h.from_array(x,"input").SerializeToString())'
//   build/nndelta infer zoo/resnet.onnx --input in.pb --dump-intermediates dump
// and reading dump/logits.pb with onnx.numpy_helper.to_array.
const RESNET_REF_LOGITS = [
  -1.9089274406433105,
  -6.153804302215576,
  -4.020630359649658,
  -6.22042989730835,
  -7.517341613769531,
  -0.9339690208435059,
  -5.109190464019775,
  2.118513584136963,
  -5.2047834396362305,
  8.33596420288086,
];

const maxAbsDiff = (a, b) => Math.max(...a.map((v, i) => Math.abs(v - b[i])));

module.exports = {
  test,
  expectReply,
  repoRoot,
  zooModel,
  fashionMnistFirstTestImage,
  RESNET_REF_LOGITS,
  maxAbsDiff
};
