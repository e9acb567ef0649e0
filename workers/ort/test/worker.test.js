'use strict';
// worker.js as a child process on the cpu device: the zoo ResNet against the ref interpreter,
// every level, every protocol dtype, intermediates, and each way a request can be refused.
const {before, after} = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const {WorkerClient, killAllWorkers, float32Tensor, float32Values} = require('../client');
const protocol = require('../protocol');
const {buildModel} = require('./onnx_builder');
const {test, expectReply, zooModel, fashionMnistFirstTestImage, RESNET_REF_LOGITS, maxAbsDiff} =
    require('./helpers');

const {OUTPUTS, PREPARED, ERROR, READY} = protocol.Reply;

let worker;
before(async () => {
  worker = new WorkerClient();
});
after(async () => {
  const exit = await Promise.race(
      [worker.quit(), new Promise((resolve) => setTimeout(resolve, 30_000, 'no exit'))]);
  await killAllWorkers();
  assert.deepEqual(exit, {code: 0, signal: null}, `stderr: ${worker.stderr}`);
});


test('HELLO answers READY with version 1 and the library versions', async () => {
  const ready = expectReply(await worker.hello(), READY);
  assert.equal(ready.version, 1);
  assert.match(ready.description, /onnxruntime-node 1\.30\.0/);
  assert.match(ready.description, /onnxruntime-web 1\.30\.0/);
});

test('INFER before any PREPARE is ERROR kind 2', async () => {
  const reply = expectReply(await worker.infer([]), ERROR);
  assert.equal(reply.kind, 2);
  assert.match(reply.message, /no session/);
});

test('zoo ResNet logits match the ref interpreter at every level', async () => {
  const input = fashionMnistFirstTestImage();
  const logits = {};
  for (const [level, name] of ['disabled', 'basic', 'extended', 'all'].entries()) {
    const prepared =
        expectReply(await worker.prepare(`ort@cpu:O${level}`, zooModel('resnet')), PREPARED);
    assert.match(
        prepared.description,
        new RegExp(`device=cpu level=O${level} graph_optimization=${name} threads=1 `));
    assert.match(prepared.description, /framework=ort version=1\.30\.0 /);
    const out = expectReply(await worker.infer([input]), OUTPUTS);
    assert.equal(out.tensors.length, 1);
    const [logitsTensor] = out.tensors;
    assert.equal(logitsTensor.name, 'logits');
    assert.equal(logitsTensor.dtype, 1);
    assert.deepEqual(logitsTensor.dims, [1, 10]);
    assert.ok(out.latencyNs > 0);
    logits[level] = float32Values(logitsTensor);
    assert.ok(maxAbsDiff(logits[level], RESNET_REF_LOGITS) < 1e-4, `O${level}: ${logits[level]}`);
    assert.equal(logits[level].indexOf(Math.max(...logits[level])), 9);  // Ankle boot
  }
  // The level reaches ORT: 'all' swaps in MLAS's NCHWc convolutions, which round differently.
  // They exist on AVX2 and later only.
  const hasAvx2 = /\bavx2\b/.test(fs.readFileSync('/proc/cpuinfo', 'utf8'));
  if (hasAvx2) assert.notDeepEqual(logits[3], logits[0], 'O3 gave the same bits as O0');
});

test('an explicit threads option wins over the request field and is reported', async () => {
  const prepared = expectReply(
      await worker.prepare('ort@cpu:O1,threads=2', zooModel('resnet'), {threads: 1}),
      PREPARED,
  );
  assert.match(prepared.description, / threads=2 inter_op_threads=1 /);
  const out = expectReply(await worker.infer([fashionMnistFirstTestImage()]), OUTPUTS);
  assert.ok(maxAbsDiff(float32Values(out.tensors[0]), RESNET_REF_LOGITS) < 1e-4);
});

test('unknown device, level, option and framework are ERROR kind 1 naming them', async () => {
  const cases = [
    ['ort@gpu:O1', /unknown device 'gpu'/],
    ['ort@cpu:O7', /unknown optimization level 'O7'/],
    ['ort@cpu:O1,fast=yes', /unknown option 'fast'/],
    ['ort@cpu:O1,threads=two', /threads=two is not a positive integer/],
    ['ort@cpu:O1,threads', /option 'threads' is not key=value/],
    ['torch@cpu:O1', /framework 'torch' is not ort/],
  ];
  for (const [environment, message] of cases) {
    const reply = expectReply(await worker.prepare(environment, zooModel('resnet')), ERROR);
    assert.equal(reply.kind, 1, environment);
    assert.match(reply.message, message);
  }
  // Still usable, and the refused PREPARE left no session behind.
  expectReply(await worker.hello(), READY);
  assert.match(
      expectReply(await worker.infer([fashionMnistFirstTestImage()]), ERROR).message, /no session/);
});

test(
    'garbage model bytes are ERROR kind 1 with ORT\'s message on one line; the worker still answers',
    async () => {
      const reply = expectReply(
          await worker.prepare(
              'ort@cpu:O3', Buffer.from('this is not an onnx model'), {label: 'junk.onnx'}),
          ERROR,
      );
      assert.equal(reply.kind, 1);
      assert.match(
          reply.message, /^junk\.onnx: onnxruntime refused the model: .*protobuf parsing failed/);
      assert.doesNotMatch(reply.message, /\n/);
      expectReply(await worker.prepare('ort@cpu:O3', zooModel('resnet')), PREPARED);
      expectReply(await worker.infer([fashionMnistFirstTestImage()]), OUTPUTS);
    });

test('a failed run is ERROR kind 2 and keeps the session', async () => {
  expectReply(await worker.prepare('ort@cpu:O2', zooModel('resnet')), PREPARED);
  const wrongShape = float32Tensor('input', [1, 1, 27, 28], new Array(27 * 28).fill(0));
  const failed = expectReply(await worker.infer([wrongShape]), ERROR);
  assert.equal(failed.kind, 2);
  assert.match(failed.message, /invalid dimensions/i);
  const short = {name: 'input', dtype: 1, dims: [1, 1, 28, 28], data: new Uint8Array(12)};
  assert.match(
      expectReply(await worker.infer([short]), ERROR).message,
      /has 12 data bytes; float32 \[1,1,28,28\] needs 3136/);
  const odd = {name: 'input', dtype: 8, dims: [1], data: new Uint8Array(1)};
  assert.match(
      expectReply(await worker.infer([odd]), ERROR).message,
      /dtype 8, which the protocol does not define/);
  const out = expectReply(await worker.infer([fashionMnistFirstTestImage()]), OUTPUTS);
  assert.ok(maxAbsDiff(float32Values(out.tensors[0]), RESNET_REF_LOGITS) < 1e-4);
});

test(
    'every protocol dtype goes through Identity unchanged, with symbolic dims resolved',
    async () => {
      const dtypes = [
        [1, 4],
        [2, 1],
        [3, 1],
        [5, 2],
        [6, 4],
        [7, 8],
        [9, 1],
        [10, 2],
        [11, 8],
      ];
      const model = buildModel({
        inputs: dtypes.map(([d]) => [`in${d}`, d, ['n', 3]]),
        outputs: dtypes.map(([d]) => [`out${d}`, d, ['n', 3]]),
        nodes: dtypes.map(([d]) => ({op: 'Identity', inputs: [`in${d}`], outputs: [`out${d}`]})),
      });
      expectReply(await worker.prepare('ort@cpu:O3', model), PREPARED);
      const inputs = dtypes.map(([d, size]) => {
        const data = new Uint8Array(2 * 3 * size);
        for (let i = 0; i < data.length; i++) data[i] = (i * 37 + d) & 0x7f;  // no NaN patterns
        if (d === 9) data.forEach((_, i) => (data[i] = i % 2));               // bool is 0 or 1
        return {name: `in${d}`, dtype: d, dims: [2, 3], data};
      });
      const out = expectReply(await worker.infer(inputs), OUTPUTS);
      assert.deepEqual(
          out.tensors.map((t) => t.name),
          dtypes.map(([d]) => `out${d}`),
      );
      out.tensors.forEach((t, i) => {
        assert.equal(t.dtype, inputs[i].dtype, t.name);
        assert.deepEqual(t.dims, [2, 3], t.name);
        assert.deepEqual(Buffer.from(t.data), Buffer.from(inputs[i].data), t.name);
      });
    });

test('bool is one byte per element: Not flips 0 and 1', async () => {
  const model = buildModel({
    inputs: [['b', 9, [4]]],
    outputs: [['nb', 9, [4]]],
    nodes: [{op: 'Not', inputs: ['b'], outputs: ['nb']}],
  });
  expectReply(await worker.prepare('ort@cpu:O0', model), PREPARED);
  const out = expectReply(
      await worker.infer([{name: 'b', dtype: 9, dims: [4], data: Uint8Array.from([1, 0, 0, 1])}]),
      OUTPUTS);
  assert.deepEqual(Array.from(out.tensors[0].data), [0, 1, 1, 0]);
});

test('INFER returns the primary outputs, INTERMEDIATES every graph output', async () => {
  // x -> Relu -> r -> Neg -> y, with r appended as a second graph output the way expose.h does.
  const model = buildModel({
    inputs: [['x', 1, [4]]],
    outputs: [['y', 1, [4]], ['r', 1, [4]]],
    nodes: [
      {op: 'Relu', inputs: ['x'], outputs: ['r']},
      {op: 'Neg', inputs: ['r'], outputs: ['y']},
    ],
  });
  expectReply(await worker.prepare('ort@cpu:O3', model, {primaryOutputs: 1}), PREPARED);
  const x = float32Tensor('x', [4], [-2, -0.5, 0.5, 3]);
  const infer = expectReply(await worker.infer([x]), OUTPUTS);
  assert.deepEqual(infer.tensors.map((t) => t.name), ['y']);
  assert.deepEqual(float32Values(infer.tensors[0]), [-0, -0, -0.5, -3]);
  const all = expectReply(await worker.intermediates([x]), OUTPUTS);
  assert.deepEqual(all.tensors.map((t) => t.name), ['y', 'r']);
  assert.deepEqual(float32Values(all.tensors[1]), [0, 0, 0.5, 3]);

  const tooMany = expectReply(
      await worker.prepare('ort@cpu:O3', model, {primaryOutputs: 3, label: 'two.onnx'}), ERROR);
  assert.equal(tooMany.kind, 1);
  assert.match(tooMany.message, /two\.onnx: 3 primary outputs asked for, the model has 2/);
});

test(
    'frames split into pieces and coalesced into one write are all answered in order', async () => {
      const bytes = Buffer.concat([
        protocol.encodePrepare({
          environment: 'ort@cpu:O1',
          threads: 1,
          primaryOutputs: 0,
          label: 'r',
          model: zooModel('resnet')
        }),
        protocol.encodeInfer([fashionMnistFirstTestImage()]),
        protocol.encodeHello(),
      ]);
      // Uneven pieces, the first ending inside the length prefix; a pause lets each arrive alone.
      const cuts = [0, 3, 4, 5, 100, 70001, bytes.length - 6, bytes.length];
      const replies = [worker.nextReply(), worker.nextReply(), worker.nextReply()];
      for (let i = 1; i < cuts.length; i++) {
        worker.write(bytes.subarray(cuts[i - 1], cuts[i]));
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      const [prepared, out, ready] = await Promise.all(replies);
      expectReply(prepared, PREPARED);
      assert.ok(
          maxAbsDiff(float32Values(expectReply(out, OUTPUTS).tensors[0]), RESNET_REF_LOGITS) <
          1e-4);
      expectReply(ready, READY);
    });

test('requests written ahead are each answered with their own outputs, in order', async () => {
  // The worker reads the next request while it runs the current one, into buffers it reuses:
  // inputs of growing and shrinking sizes, all written at once, must not see each other's bytes.
  const model = buildModel({
    inputs: [['x', 1, ['n']]],
    outputs: [['y', 1, ['n']]],
    nodes: [{op: 'Neg', inputs: ['x'], outputs: ['y']}],
  });
  expectReply(await worker.prepare('ort@cpu:O1', model), PREPARED);
  const sizes = [3, 100_000, 5, 250_000, 1, 7, 300_000, 2];
  const inputs = sizes.map(
      (n, i) => float32Tensor('x', [n], Array.from({length: n}, (_, k) => i * 1000 + (k % 1000))));
  const replies = inputs.map(() => worker.nextReply());
  worker.write(Buffer.concat(inputs.map((x) => protocol.encodeInfer([x]))));
  const outs = await Promise.all(replies);
  outs.forEach((reply, i) => {
    const [y] = expectReply(reply, OUTPUTS).tensors;
    assert.deepEqual(y.dims, [sizes[i]]);
    const values = float32Values(y);
    const wrong = values.findIndex((v, k) => v !== -(i * 1000 + (k % 1000)));
    assert.equal(wrong, -1, `request ${i}: element ${wrong} is ${values[wrong]}`);
  });
});

test('requests of one shape written ahead are each answered with their own values', async () => {
  // Frames of one shape come back in the same few buffers, and the worker reuses the ORT tensors
  // made over them; the second input's data sits misaligned in its frame, so it is copied into a
  // kept buffer first. Neither may answer a request with another request's values.
  const model = buildModel({
    inputs: [['x', 1, [1000]], ['z', 1, [1000]]],
    outputs: [['y', 1, [1000]]],
    nodes: [{op: 'Sub', inputs: ['x', 'z'], outputs: ['y']}],
  });
  expectReply(await worker.prepare('ort@cpu:O1', model), PREPARED);
  const count = 12;
  const requests = Array.from(
      {length: count},
      (_, i) =>
          [float32Tensor('x', [1000], Array.from({length: 1000}, (_, k) => i * 1000 + k)),
           float32Tensor('z', [1000], Array.from({length: 1000}, (_, k) => k / 2)),
  ]);
  const frames = requests.map((inputs) => protocol.encodeInfer(inputs));
  // x's data is aligned in the worker's buffer; z's starts after x's 4000 bytes and z's header.
  const xData =
      5 + 4 + 4 + 1 + 1 + 4 + 8 + 8;  // frame head, count, name "x", dtype, rank, dim, size
  const zData = frames[0].length - 4000;
  assert.notEqual((zData - xData) % 4, 0, 'z must sit misaligned');
  const replies = requests.map(() => worker.nextReply());
  worker.write(Buffer.concat(frames));
  const outs = await Promise.all(replies);
  outs.forEach((reply, i) => {
    const values = float32Values(expectReply(reply, OUTPUTS).tensors[0]);
    const wrong = values.findIndex((v, k) => v !== i * 1000 + k / 2);
    assert.equal(wrong, -1, `request ${i}: element ${wrong} is ${values[wrong]}`);
  });
});

test('a worker whose frame reader cannot be loaded exits with status 1 saying where', async () => {
  const missing = '/nonexistent/ort_frame_io.node';
  const other = new WorkerClient({env: {NNDELTA_ORT_FRAME_IO: missing}});
  assert.deepEqual(await other.exited, {code: 1, signal: null});
  assert.match(
      other.stderr, /ort worker: cannot load the frame reader \/nonexistent\/ort_frame_io.node/);
});

test('a malformed request is answered with ERROR and the worker stays usable', async () => {
  // HELLO with a 2-byte payload instead of u32; unknown type 42.
  worker.write(Buffer.from([3, 0, 0, 0, 1, 1, 0]));
  const bad = expectReply(await worker.nextReply(), ERROR);
  assert.match(bad.message, /malformed request: HELLO: payload ends inside protocol version/);
  worker.write(Buffer.from([1, 0, 0, 0, 42]));
  assert.match(expectReply(await worker.nextReply(), ERROR).message, /unknown request type 42/);
  expectReply(await worker.hello(), READY);
});

test('a closed stdin ends the worker with status 0 (QUIT is checked by test.after)', async () => {
  const other = new WorkerClient();
  expectReply(await other.hello(), READY);
  other.child.stdin.end();
  assert.deepEqual(await other.exited, {code: 0, signal: null});
});

test(
    'stdin closed inside a frame ends the worker with status 0, saying how much came', async () => {
      const other = new WorkerClient();
      expectReply(await other.hello(), READY);
      other.child.stdin.end(protocol.encodeHello().subarray(0, 7));
      assert.deepEqual(await other.exited, {code: 0, signal: null});
      assert.match(other.stderr, /stdin closed inside a frame \(7 bytes\)/);
    });

test('a frame length over 1 GiB ends the worker with status 2 and a reason on stderr', async () => {
  const other = new WorkerClient();
  other.write(Buffer.from([1, 0, 0, 0x40, 1]));
  assert.deepEqual(await other.exited, {code: 2, signal: null});
  assert.match(other.stderr, /not a frame stream: frame length 1073741825 exceeds the 1 GiB limit/);
});
