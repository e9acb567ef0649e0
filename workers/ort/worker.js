#!/usr/bin/env node
'use strict';
// nndelta's ort worker: hosts one ONNX Runtime session at a time and speaks the frame protocol of
// docs/worker-protocol.md on stdin/stdout (protocol.js). Requests are handled one at a time, in
// order. stdout carries frames only: everything else that would reach it goes to stderr.
const fs = require('node:fs');
const protocol = require('./protocol');
const {Request, ErrorKind} = protocol;
const {parseEnvironment, EnvironmentError} = require('./environment');
const {createSession, workerDescription, oneLine} = require('./runtime');
const {Staging, toOrtTensor, fromOrtTensor} = require('./tensors');

const FRAME_FD = 1;

// Libraries may print (Emscripten's stdout, console.log in worker threads, which Node forwards
// through process.stdout): send all of it to stderr and write frames to fd 1 directly.
function keepStdoutForFrames() {
  process.stdout.write = process.stderr.write.bind(process.stderr);
  console.log = console.error;
  console.info = console.error;
  console.debug = console.error;
}

const log = (message) => process.stderr.write(`ort worker: ${message}\n`);

function die(message, code) {
  log(message);
  process.exit(code);
}

const pause = new Int32Array(new SharedArrayBuffer(4));

function send(frame) {
  let offset = 0;
  while (offset < frame.length) {
    try {
      offset += fs.writeSync(FRAME_FD, frame, offset);
    } catch (e) {
      if (e.code !== 'EAGAIN') die(`cannot write a reply to stdout: ${e.message}`, 1);
      Atomics.wait(pause, 0, 0, 1);  // the parent is not reading yet: wait 1 ms
    }
  }
}

const staging = new Staging();

// The session of the last successful PREPARE: { ort, session, primary, all } (output names).
let current = null;

async function prepare(request) {
  if (current) {
    const old = current.session;
    current = null;
    await old.release().catch((e) => log(`releasing the previous session: ${oneLine(e)}`));
  }
  try {
    const env = parseEnvironment(request.environment, request.threads);
    const {ort, session, description} = await createSession(env, request.model);
    const all = session.outputNames;
    if (request.primaryOutputs > all.length) {
      await session.release();
      throw new EnvironmentError(
          `${request.label}: ${request.primaryOutputs} primary outputs asked for, the model has ${
              all.length}`,
      );
    }
    current = {ort, session, primary: all.slice(0, request.primaryOutputs || all.length), all};
    send(protocol.encodePrepared(description));
  } catch (e) {
    const message = e instanceof EnvironmentError ?
        e.message :
        `${request.label}: onnxruntime refused the model: ${oneLine(e)}`;
    send(protocol.encodeError(ErrorKind.PREPARE_REFUSED, message));
  }
}

async function run(request) {
  if (!current) {
    send(protocol.encodeError(ErrorKind.RUN_FAILED, 'no session: PREPARE has not succeeded'));
    return;
  }
  try {
    const feeds = {};
    request.inputs.forEach((input, index) => {
      if (input.name in feeds) throw new Error(`input '${input.name}' is given twice`);
      feeds[input.name] = toOrtTensor(current.ort, input, staging, index);
    });
    const names = request.type === Request.INFER ? current.primary : current.all;
    const start = process.hrtime.bigint();
    const results = await current.session.run(feeds, names);
    const latencyNs = process.hrtime.bigint() - start;
    const outputs = names.map((name) => fromOrtTensor(name, results[name]));
    send(protocol.encodeOutputs(latencyNs, outputs));
  } catch (e) {
    send(protocol.encodeError(ErrorKind.RUN_FAILED, oneLine(e)));
  }
}

async function handle(frame) {
  let request;
  try {
    request = protocol.decodeRequest(frame);
  } catch (e) {
    // The frame boundary is intact, so answer and stay usable.
    const kind = frame.type === Request.PREPARE ? ErrorKind.PREPARE_REFUSED : ErrorKind.RUN_FAILED;
    send(protocol.encodeError(kind, `malformed request: ${e.message}`));
    return;
  }
  switch (request.type) {
    case Request.HELLO:
      if (request.version !== protocol.PROTOCOL_VERSION) {
        log(`parent speaks protocol ${request.version}; this worker speaks ${
            protocol.PROTOCOL_VERSION}`);
      }
      send(protocol.encodeReady(workerDescription()));
      break;
    case Request.PREPARE:
      await prepare(request);
      break;
    case Request.INFER:
    case Request.INTERMEDIATES:
      await run(request);
      break;
    case Request.QUIT:
      process.exit(0);
  }
}

const STDIN_FD = 0;

// Reads n bytes of stdin into buf at offset, blocking; fewer only when stdin ends. Requests are
// read synchronously, without the event loop's stream machinery: a 600 KB image then arrives in
// one or two read(2) calls straight into its buffer instead of ten 64 KiB chunk events and a
// concatenation (the per-inference overhead budget is a few percent of a 5 ms inference).
function readFully(buf, offset, n) {
  let got = 0;
  while (got < n) {
    let count;
    try {
      count = fs.readSync(STDIN_FD, buf, offset + got, n - got, null);
    } catch (e) {
      if (e.code === 'EAGAIN') {  // stdin was left non-blocking by whoever started us
        Atomics.wait(pause, 0, 0, 1);
        continue;
      }
      if (e.code === 'EOF') break;
      die(`reading stdin: ${e.message}`, 1);
    }
    if (count === 0) break;
    got += count;
  }
  return got;
}

// The next request frame, or null at the end of stdin between frames. The payload is a view of
// `scratch`, reused by the next frame: handle() is done with it by then.
const header = Buffer.alloc(5);
let scratch = Buffer.alloc(0);

// Where an INFER payload must start in `scratch` for its first tensor's data to be 8-byte aligned,
// so that ORT reads the image in place instead of a copy. `prefix` holds the payload's first bytes
// (tensor count, name length, name, dtype, rank); when they are too short to parse, the start is 0
// and the decoder reports what is wrong.
function alignedStart(prefix) {
  if (prefix.length < 8 || prefix.readUInt32LE(0) === 0) return 0;
  const nameLength = prefix.readUInt32LE(4);
  if (prefix.length < 8 + nameLength + 5) return 0;
  const rank = prefix.readUInt32LE(8 + nameLength + 1);
  const dataOffset = 8 + nameLength + 1 + 4 + 8 * rank + 8;
  return (8 - (dataOffset % 8)) % 8;
}

const MAX_PREFIX = 8 + 256 + 5;  // names longer than 256 bytes are simply not aligned

function readFrame() {
  const got = readFully(header, 0, 5);
  if (got === 0) return null;
  const length = got >= 4 ? header.readUInt32LE(0) : 0;
  if (got >= 4) {
    try {
      protocol.checkFrameLength(length);
    } catch (e) {
      die(`stdin is not a frame stream: ${e.message}`, 2);
    }
  }
  if (got < 5) return {truncated: got};
  const type = header[4];
  const size = length - 1;
  if (scratch.length < size + 8) {
    scratch = Buffer.allocUnsafeSlow(Math.max(size + 8, 2 * scratch.length));
  }
  // The payload is read at offset 8 up to its first tensor's rank, then moved to its aligned start.
  let read = 0;
  let start = 0;
  if (type === Request.INFER || type === Request.INTERMEDIATES) {
    read = readFully(scratch, 8, Math.min(8, size));
    if (read === 8) {
      const nameLength = scratch.readUInt32LE(12);
      const prefixLength = Math.min(size, 8 + nameLength + 5, MAX_PREFIX);
      read += readFully(scratch, 16, prefixLength - 8);
    }
    start = alignedStart(scratch.subarray(8, 8 + read));
    scratch.copyWithin(start, 8, 8 + read);
  }
  read += readFully(scratch, start + read, size - read);
  if (read < size) return {truncated: 5 + read};
  return {type, payload: scratch.subarray(start, start + size)};
}

async function main() {
  keepStdoutForFrames();
  for (;;) {
    const frame = readFrame();
    if (frame === null) process.exit(0);
    if (frame.truncated !== undefined) {
      log(`stdin closed inside a frame (${frame.truncated} bytes)`);
      process.exit(0);
    }
    await handle(frame);
  }
}

main();
