#!/usr/bin/env node
'use strict';
// Per-image latency of models in environments, measured through the worker exactly as the parent
// sees it: one fresh worker per (model, environment), PREPARE, warm-up INFERs, then timed INFERs
// whose latency is the worker's own session.run time. Prints one TSV row per pair.
//
//   node workers/ort/measure.js [--runs N] [--warmup N] [--env ENV]... MODEL.onnx...
//
// Defaults: 50 runs after 5 warm-up runs, environments ort@cpu:O0,threads=1 and
// ort@cpu:O3,threads=1. Inputs are seeded pseudo-random normals (seed 1) shaped from the model's
// input metadata, with symbolic dimensions set to 1.
const fs = require('node:fs');
const {WorkerClient} = require('./client');
const protocol = require('./protocol');
const {elementCount} = require('./tensors');

function parseArgs(argv) {
  const args = {runs: 50, warmup: 5, envs: [], models: []};
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const value = () => {
      if (i + 1 >= argv.length) throw new Error(`${a} needs a value`);
      return argv[++i];
    };
    if (a === '--runs')
      args.runs = Number(value());
    else if (a === '--warmup')
      args.warmup = Number(value());
    else if (a === '--env')
      args.envs.push(value());
    else if (a.startsWith('--'))
      throw new Error(`unknown option ${a}`);
    else
      args.models.push(a);
  }
  if (args.envs.length === 0) args.envs = ['ort@cpu:O0,threads=1', 'ort@cpu:O3,threads=1'];
  if (args.models.length === 0) throw new Error('give at least one MODEL.onnx');
  if (!(args.runs > 0) || !(args.warmup >= 0)) throw new Error('--runs must be > 0, --warmup >= 0');
  return args;
}

// xorshift32 + Box-Muller: reproducible normals without dependencies.
function normals(count, seed) {
  let s = seed >>> 0 || 1;
  const uniform = () => {
    s ^= s << 13;
    s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5;
    s >>>= 0;
    return (s + 0.5) / 4294967296;
  };
  const out = new Float32Array(count);
  for (let i = 0; i < count; i++) {
    out[i] = Math.sqrt(-2 * Math.log(uniform())) * Math.cos(2 * Math.PI * uniform());
  }
  return out;
}

// Protocol inputs for the model, from onnxruntime-node's view of its inputs.
async function makeInputs(modelBytes) {
  const ort = require('onnxruntime-node');
  const session = await ort.InferenceSession.create(modelBytes);
  const inputs = session.inputMetadata.map((meta, index) => {
    if (meta.type !== 'float32')
      throw new Error(`input '${meta.name}' is ${meta.type}, not float32`);
    const dims = meta.shape.map((d) => (typeof d === 'number' && d > 0 ? d : 1));
    const values = normals(elementCount(dims), index + 1);
    return {name: meta.name, dtype: 1, dims, data: new Uint8Array(values.buffer)};
  });
  await session.release();
  return inputs;
}

const quantile = (sorted, q) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];

async function measure(model, modelBytes, inputs, env, {runs, warmup}) {
  const worker = new WorkerClient();
  try {
    const prepared = await worker.prepare(env, modelBytes, {threads: 1, label: model});
    if (prepared.type !== protocol.Reply.PREPARED) throw new Error(`${env}: ${prepared.message}`);
    const ms = [];
    for (let i = 0; i < warmup + runs; i++) {
      const out = await worker.infer(inputs);
      if (out.type !== protocol.Reply.OUTPUTS) throw new Error(`${env}: ${out.message}`);
      if (i >= warmup) ms.push(Number(out.latencyNs) / 1e6);
    }
    ms.sort((a, b) => a - b);
    return {median: quantile(ms, 0.5), p10: quantile(ms, 0.1), p90: quantile(ms, 0.9)};
  } finally {
    await worker.quit();
  }
}

async function main() {
  const args = parseArgs(process.argv.slice(2));
  console.log(['model', 'environment', 'runs', 'median_ms', 'p10_ms', 'p90_ms'].join('\t'));
  for (const model of args.models) {
    const bytes = fs.readFileSync(model);
    const inputs = await makeInputs(bytes);
    for (const env of args.envs) {
      const t = await measure(model, bytes, inputs, env, args);
      const row = [model, env, args.runs, t.median, t.p10, t.p90];
      console.log(row.map((v) => (typeof v === 'number' && !Number.isInteger(v) ? v.toFixed(3) : v))
                      .join('\t'));
    }
  }
}

main().catch((e) => {
  console.error(`measure: ${e.message}`);
  process.exit(1);
});
