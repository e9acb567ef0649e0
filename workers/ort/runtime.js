'use strict';
// ONNX Runtime behind the worker: which library runs which device, session options from an
// environment, and the descriptions READY and PREPARED carry. Libraries load on first use, so
// HELLO stays fast and a missing or broken install is a refused PREPARE, not a dead worker.
//
// Both libraries register their backends in the one onnxruntime-common registry they share, by
// execution provider name: onnxruntime-node 'cpu' (priority 100), onnxruntime-web 'cpu' and
// 'wasm' (priority 10). The registry keeps the first backend registered under a name even when a
// later one has a higher priority, so onnxruntime-node is always loaded first, and every cpu
// session is checked to be onnxruntime-node's (test/devices.test.js runs cpu after wasm).
const fs = require('node:fs');
const path = require('node:path');
const {EnvironmentError} = require('./environment');

const LIBRARY_BY_DEVICE = {
  cpu: 'onnxruntime-node',
  wasm: 'onnxruntime-web'
};

// The installed version of a package, read from its package.json without loading it.
function installedVersion(name) {
  try {
    let dir = path.dirname(require.resolve(name));
    for (;;) {
      const file = path.join(dir, 'package.json');
      if (fs.existsSync(file)) {
        const pkg = JSON.parse(fs.readFileSync(file, 'utf8'));
        if (pkg.name === name) return pkg.version;
      }
      const parent = path.dirname(dir);
      if (parent === dir) return 'unknown version';
      dir = parent;
    }
  } catch {
    return 'not installed';
  }
}

function workerDescription() {
  return (
      `nndelta ort worker (${path.relative(process.cwd(), __dirname) || '.'}/worker.js), ` +
      `Node ${process.version}, onnxruntime-node ${installedVersion('onnxruntime-node')}, ` +
      `onnxruntime-web ${installedVersion('onnxruntime-web')}`);
}

function load(device) {
  const name = LIBRARY_BY_DEVICE[device];
  try {
    if (device !== 'cpu') {
      try {
        require(LIBRARY_BY_DEVICE.cpu);  // registers 'cpu' first (see above)
      } catch {
        // wasm does not need it; a cpu PREPARE reports the failure.
      }
    }
    const ort = require(name);
    ort.env.logLevel = 'error';
    return ort;
  } catch (e) {
    throw new EnvironmentError(
        `device ${device}: ${name} cannot be loaded (run scripts/setup): ${oneLine(e)}`);
  }
}

// onnxruntime-node's session handler class (dist/backend.js, not minified). `handler` is
// InferenceSession's internal field; the version is pinned by package-lock.json.
function runsOnOnnxruntimeNode(session) {
  return session.handler?.constructor?.name === 'OnnxruntimeSessionHandler';
}

// The WebAssembly module is instantiated once per process, with the threads env.wasm.numThreads
// says at that moment; null until the first wasm PREPARE.
let wasmThreads = null;

// A session for `env` (from parseEnvironment) on the serialized model. Returns
// { ort, session, description }. Throws EnvironmentError for what the worker cannot honour;
// errors from ORT itself (a model it refuses) pass through unchanged.
async function createSession(env, model) {
  const ort = load(env.device);
  const options = {
    graphOptimizationLevel: env.graphOptimizationLevel,
    executionMode: 'sequential',
    logSeverityLevel: 3,  // errors only: stderr stays readable
    executionProviders: [env.device],
  };
  let threads;
  let provider;
  if (env.device === 'cpu') {
    if (env.threads > 0) options.intraOpNumThreads = env.threads;
    options.interOpNumThreads = 1;
    threads = env.threads > 0 ? String(env.threads) : 'default';
    provider = 'CPUExecutionProvider';
  } else {
    if (wasmThreads === null && env.threads > 0) ort.env.wasm.numThreads = env.threads;
    if (wasmThreads !== null && env.threads > 0 && env.threads !== wasmThreads) {
      const why = `this worker's wasm module runs ${wasmThreads} threads and cannot change to ` +
          `${env.threads}; use a fresh worker`;
      throw new EnvironmentError(`environment '${env.text}': ${why}`);
    }
    provider = 'wasm (onnxruntime-web, ort-wasm-simd-threaded)';
  }
  let session;
  try {
    session = await ort.InferenceSession.create(model, options);
  } finally {
    // Even a refused model initialised the module; ORT has replaced a default (0) by a number.
    if (env.device === 'wasm' && wasmThreads === null) wasmThreads = ort.env.wasm.numThreads;
  }
  if (env.device === 'cpu' && !runsOnOnnxruntimeNode(session)) {
    await session.release();
    throw new EnvironmentError(
        `environment '${env.text}': the 'cpu' provider did not resolve to onnxruntime-node`);
  }
  if (env.device === 'wasm') threads = String(wasmThreads);
  const description = [
    `framework=ort`,
    `version=${ort.env.versions[env.device === 'cpu' ? 'node' : 'web']}`,
    `library=${LIBRARY_BY_DEVICE[env.device]}`,
    `device=${env.device}`,
    `level=O${env.level}`,
    `graph_optimization=${env.graphOptimizationLevel}`,
    `threads=${threads}`,
    ...(env.device === 'cpu' ? ['inter_op_threads=1'] : []),
    `execution_provider=${provider}`,
  ].join(' ');
  return {ort, session, description};
}

// An error as one line: ORT's messages may span lines.
function oneLine(error) {
  const text = error instanceof Error ? error.message : String(error);
  return text.replace(/\s*\n\s*/g, ' ').trim() || 'unknown error';
}

module.exports = {
  createSession,
  workerDescription,
  installedVersion,
  oneLine
};
