'use strict';
// The parent's side of the protocol in JS, for the tests and measure.js: spawns worker.js and
// exchanges frames with it. (nndelta's own parent is C++; this is not used by it.)
const {spawn} = require('node:child_process');
const path = require('node:path');
const protocol = require('./protocol');

// Every worker spawned and not yet exited, so a failed test can end them instead of hanging on
// their open pipes.
const running = new Set();

class WorkerClient {
  // `env`: variables added to this process's environment for the worker.
  constructor({env = {}} = {}) {
    this.child = spawn(process.execPath, [path.join(__dirname, 'worker.js')], {
      stdio: ['pipe', 'pipe', 'pipe'],
      env: {...process.env, ...env},
    });
    this.reader = new protocol.FrameReader();
    this.replies = [];
    this.waiting = [];
    this.stderr = '';
    this.exited =
        new Promise((resolve) => this.child.on('exit', (code, signal) => resolve({code, signal})));
    running.add(this);
    this.exited.then(() => running.delete(this));
    this.child.stderr.on('data', (d) => (this.stderr += d));
    this.child.stdout.on('data', (chunk) => {
      for (const frame of this.reader.push(chunk)) this.replies.push(protocol.decodeReply(frame));
      while (this.replies.length > 0 && this.waiting.length > 0)
        this.waiting.shift().resolve(this.replies.shift());
    });
    this.exited.then(({code, signal}) => {
      for (const w of this.waiting.splice(0)) {
        w.reject(new Error(`worker exited (code ${code}, signal ${
            signal}) before replying; stderr: ${this.stderr}`));
      }
    });
  }

  // Writes raw bytes (one frame, part of one, or several).
  write(bytes) {
    this.child.stdin.write(bytes);
  }

  // The next reply, decoded.
  nextReply() {
    if (this.replies.length > 0) return Promise.resolve(this.replies.shift());
    return new Promise((resolve, reject) => this.waiting.push({resolve, reject}));
  }

  request(frame) {
    this.write(frame);
    return this.nextReply();
  }

  hello() {
    return this.request(protocol.encodeHello());
  }

  prepare(environment, model, {threads = 1, primaryOutputs = 0, label = 'model'} = {}) {
    return this.request(
        protocol.encodePrepare({environment, threads, primaryOutputs, label, model}));
  }

  infer(inputs) {
    return this.request(protocol.encodeInfer(inputs, protocol.Request.INFER));
  }

  intermediates(inputs) {
    return this.request(protocol.encodeInfer(inputs, protocol.Request.INTERMEDIATES));
  }

  // Sends QUIT and resolves with the exit { code, signal }.
  quit() {
    this.child.stdin.end(protocol.encodeQuit());
    return this.exited;
  }

  kill() {
    this.child.kill('SIGKILL');
  }
}

// Kills every worker still running and waits for them to exit.
async function killAllWorkers() {
  const left = [...running];
  for (const w of left) w.kill();
  await Promise.all(left.map((w) => w.exited));
}

// A float32 tensor in protocol form.
function float32Tensor(name, dims, values) {
  const data = new Uint8Array(Float32Array.from(values).buffer);
  return {name, dtype: 1, dims, data};
}

// The elements of a protocol float32 tensor as an array of Numbers.
function float32Values(tensor) {
  const copy = new Uint8Array(tensor.data);  // aligned
  return Array.from(new Float32Array(copy.buffer));
}

module.exports = {
  WorkerClient,
  killAllWorkers,
  float32Tensor,
  float32Values
};
