'use strict';
// The wasm device (onnxruntime-web in Node) and its coexistence with cpu in one worker.
const {before, after} = require('node:test');
const assert = require('node:assert/strict');
const {WorkerClient, killAllWorkers, float32Values} = require('../client');
const protocol = require('../protocol');
const {test, expectReply, zooModel, fashionMnistFirstTestImage, RESNET_REF_LOGITS, maxAbsDiff} =
    require('./helpers');

const {OUTPUTS, PREPARED, ERROR} = protocol.Reply;

after(killAllWorkers);

async function logits(worker, environment) {
  const prepared = expectReply(await worker.prepare(environment, zooModel('resnet')), PREPARED);
  const out = expectReply(await worker.infer([fashionMnistFirstTestImage()]), OUTPUTS);
  return {description: prepared.description, values: float32Values(out.tensors[0])};
}

test(
    'wasm runs the zoo ResNet at O0 and O3 close to ref; cpu after wasm is still onnxruntime-node',
    async () => {
      const cpuOnly = new WorkerClient();
      const cpuAlone = await logits(cpuOnly, 'ort@cpu:O3');
      await cpuOnly.quit();

      const worker = new WorkerClient();
      for (const level of [0, 3]) {
        const wasm = await logits(worker, `ort@wasm:O${level}`);
        assert.match(
            wasm.description, new RegExp(`library=onnxruntime-web device=wasm level=O${level} `));
        assert.match(wasm.description, / threads=1 execution_provider=wasm/);
        assert.ok(
            maxAbsDiff(wasm.values, RESNET_REF_LOGITS) < 1e-4, `wasm O${level}: ${wasm.values}`);
        if (level === 3)
          assert.notDeepEqual(wasm.values, cpuAlone.values, 'wasm and cpu gave the same bits');
      }
      // Both libraries share onnxruntime-common's backend registry; 'cpu' must still resolve to
      // onnxruntime-node (whose bits differ from wasm's, as asserted above).
      const cpuAfterWasm = await logits(worker, 'ort@cpu:O3');
      assert.deepEqual(cpuAfterWasm.values, cpuAlone.values);

      // The wasm module was instantiated with 1 thread; asking for another count is refused.
      const refused =
          expectReply(await worker.prepare('ort@wasm:O3,threads=2', zooModel('resnet')), ERROR);
      assert.equal(refused.kind, 1);
      assert.match(
          refused.message, /wasm module runs 1 threads and cannot change to 2; use a fresh worker/);
      assert.deepEqual(await worker.quit(), {code: 0, signal: null});
    });
